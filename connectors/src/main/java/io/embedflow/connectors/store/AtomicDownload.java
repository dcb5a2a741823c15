package io.embedflow.connectors.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The write-to-temp-then-rename half of {@link ObjectStore#download}, shared by the implementations:
 * each supplies only how to write the object's bytes into a channel.
 */
final class AtomicDownload {
  /** Writes an object's bytes into {@code channel}, starting at its current position. */
  @FunctionalInterface
  interface Writer {
    void writeTo(FileChannel channel) throws IOException;
  }

  private AtomicDownload() {}

  /**
   * Writes through {@code writer} into a hidden temporary file beside {@code target}, checks its length
   * is {@code expectedSize}, then renames it onto {@code target}. The temporary file never outlives a failure.
   *
   * @param what "key in store" for messages
   */
  static void run(Path target, long expectedSize, String what, Writer writer) {
    Path absolute = target.toAbsolutePath().normalize();
    Path dir = absolute.getParent();
    if (dir == null) {
      throw new ObjectStoreException("cannot download " + what + " to " + absolute + ": it is a file system root", false);
    }
    Path temp = null;
    try {
      Files.createDirectories(dir);
      temp = Files.createTempFile(dir, "." + absolute.getFileName() + ".", ".download");
      long written;
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        writer.writeTo(channel);
        written = channel.size();
      }
      if (written != expectedSize) {
        // the object changed or the transfer was cut short; a new attempt may well succeed
        throw new ObjectStoreException("downloaded " + written + " bytes of " + what + " but it has " + expectedSize
            + "; " + absolute + " was left unchanged", true);
      }
      Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      temp = null;
    } catch (IOException e) {
      throw new ObjectStoreException("cannot download " + what + " to " + absolute + ": " + e, e, false);
    } finally {
      if (temp != null) {
        deleteQuietly(temp);
      }
    }
  }

  private static void deleteQuietly(Path temp) {
    try {
      Files.deleteIfExists(temp);
    } catch (IOException e) {
      // the original failure is the one to report; a leftover hidden temp file is harmless
    }
  }
}
