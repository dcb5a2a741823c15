package io.embedflow.connectors.io;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;

/**
 * A Parquet {@link InputFile} over a source that reads bytes at a position (an S3 object, prefetched
 * buffers), so that Parquet's seek-and-read streams need no more than {@link #readAt}.
 */
public abstract class PositionalInputFile implements InputFile {
  private final String name;
  private final long length;

  protected PositionalInputFile(String name, long length) {
    this.name = name;
    this.length = length;
  }

  /**
   * Reads exactly {@code length} bytes starting at {@code position} into {@code buffer}.
   *
   * @throws EOFException when the range goes past the end of the file
   */
  protected abstract void readAt(long position, byte[] buffer, int offset, int length) throws IOException;

  @Override
  public final long getLength() {
    return length;
  }

  @Override
  public final SeekableInputStream newStream() {
    return new Stream();
  }

  /** The file's name in Parquet's messages: its path or {@code s3://} URI. */
  @Override
  public String toString() {
    return name;
  }

  private final class Stream extends SeekableInputStream {
    private long position;

    @Override
    public long getPos() {
      return position;
    }

    @Override
    public void seek(long newPosition) throws IOException {
      if (newPosition < 0 || newPosition > length) {
        throw new EOFException("cannot seek to " + newPosition + " in " + name + " of " + length + " bytes");
      }
      position = newPosition;
    }

    @Override
    public int read() throws IOException {
      if (position >= length) {
        return -1;
      }
      byte[] one = new byte[1];
      readFully(one, 0, 1);
      return one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int count) throws IOException {
      if (count == 0) {
        return 0;
      }
      if (position >= length) {
        return -1;
      }
      int n = (int) Math.min(count, length - position);
      readFully(buffer, offset, n);
      return n;
    }

    @Override
    public void readFully(byte[] buffer) throws IOException {
      readFully(buffer, 0, buffer.length);
    }

    @Override
    public void readFully(byte[] buffer, int offset, int count) throws IOException {
      if (position + count > length) {
        throw new EOFException("cannot read " + count + " bytes at " + position + " of " + name + " (" + length
            + " bytes)");
      }
      readAt(position, buffer, offset, count);
      position += count;
    }

    @Override
    public int read(ByteBuffer target) throws IOException {
      if (!target.hasRemaining()) {
        return 0;
      }
      if (position >= length) {
        return -1;
      }
      int n = (int) Math.min(target.remaining(), length - position);
      copyInto(target, n);
      return n;
    }

    @Override
    public void readFully(ByteBuffer target) throws IOException {
      copyInto(target, target.remaining());
    }

    private void copyInto(ByteBuffer target, int count) throws IOException {
      if (target.hasArray()) {
        readFully(target.array(), target.arrayOffset() + target.position(), count);
        target.position(target.position() + count);
      } else {
        byte[] bytes = new byte[count];
        readFully(bytes, 0, count);
        target.put(bytes);
      }
    }

    @Override
    public long skip(long n) {
      long skipped = Math.max(0, Math.min(n, length - position));
      position += skipped;
      return skipped;
    }

    @Override
    public int available() {
      return (int) Math.min(Integer.MAX_VALUE, length - position);
    }
  }
}
