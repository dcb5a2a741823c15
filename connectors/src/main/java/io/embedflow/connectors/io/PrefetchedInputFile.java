package io.embedflow.connectors.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;

/**
 * A Parquet file of which some byte ranges are already in memory (fetched ahead by a prefetcher):
 * reads inside one of them are copies, anything else goes to {@code fallback} and is counted as a
 * miss. A reader of one row group touches only the file's tail and that group's column chunks, so
 * with those two in memory it needs no further request.
 */
public final class PrefetchedInputFile extends PositionalInputFile {
  private final InputFile fallback;
  private final List<Region> regions = new ArrayList<>();
  private SeekableInputStream fallbackStream;
  private long misses;

  /** @param fallback where reads outside the regions go; its length is this file's length */
  public PrefetchedInputFile(String name, InputFile fallback) throws IOException {
    super(name, fallback.getLength());
    this.fallback = Objects.requireNonNull(fallback, "fallback");
  }

  /** Adds the bytes of the file from {@code offset}: {@code data}'s remaining bytes (not copied). */
  public PrefetchedInputFile with(long offset, ByteBuffer data) {
    if (offset < 0 || offset + data.remaining() > getLength()) {
      throw new IllegalArgumentException("region " + offset + "+" + data.remaining() + " is outside " + this + " ("
          + getLength() + " bytes)");
    }
    regions.add(new Region(offset, data.slice()));
    return this;
  }

  /** Reads that no region covered. */
  public long misses() {
    return misses;
  }

  @Override
  protected void readAt(long position, byte[] buffer, int offset, int length) throws IOException {
    for (Region region : regions) {
      if (position >= region.offset && position + length <= region.offset + region.data.remaining()) {
        region.data.duplicate().position((int) (position - region.offset)).get(buffer, offset, length);
        return;
      }
    }
    misses++;
    if (fallbackStream == null) {
      fallbackStream = fallback.newStream();
    }
    fallbackStream.seek(position);
    fallbackStream.readFully(buffer, offset, length);
  }

  private record Region(long offset, ByteBuffer data) {}
}
