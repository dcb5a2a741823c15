package io.embedflow.connectors.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An {@link ObjectStore} in a local directory: key {@code a/b/c} is the file {@code root/a/b/c}.
 *
 * <p>Writes copy the source into {@code root/.tmp/} and then rename it into place, so readers never
 * see a partial file; {@code .tmp} is never listed and is not a valid first key segment. A
 * {@link #putIfAbsent} hard-links the temporary file to the key, which fails atomically when the key
 * exists (file systems without hard links fall back to check-then-rename, which can race). Nothing is
 * fsynced: after a crash of the machine, not of the process, a write may be lost, but never torn.
 * Deleting a key removes the directories it leaves empty. ETags are {@code null}.
 */
public final class LocalObjectStore implements ObjectStore {
  /** The directory under the root that holds files being written. */
  public static final String TEMP_DIR = ".tmp";

  private static final int RENAME_ATTEMPTS = 3;

  private final Path root;
  private final Path tempDir;
  private final String description;

  /**
   * Opens the store at {@code root}, creating the directory (and {@code root/.tmp}) when missing.
   *
   * @throws ObjectStoreException when the directory cannot be created
   */
  public LocalObjectStore(Path root) {
    this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
    this.tempDir = this.root.resolve(TEMP_DIR);
    this.description = "file:" + this.root;
    try {
      Files.createDirectories(tempDir);
    } catch (IOException e) {
      throw failure("cannot create the store directory " + tempDir, e);
    }
  }

  /** The absolute root directory. */
  public Path root() {
    return root;
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public Optional<ObjectInfo> stat(String key) {
    Path path = path(key);
    try {
      BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
      return attributes.isRegularFile() ? Optional.of(new ObjectInfo(key, attributes.size(), null)) : Optional.empty();
    } catch (NoSuchFileException | NotDirectoryException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw failure("cannot stat '" + key + "' in " + description, e);
    }
  }

  @Override
  public void put(String key, Path source) {
    Path target = path(key);
    Path temp = copyToTemp(key, source);
    try {
      moveIntoPlace(key, temp, target);
    } finally {
      deleteQuietly(temp);
    }
  }

  @Override
  public void putBytes(String key, byte[] data) {
    Path target = path(key);
    Path temp = newTempFile(key);
    try {
      Files.write(temp, data);
      moveIntoPlace(key, temp, target);
    } catch (IOException e) {
      throw failure("cannot write '" + key + "' in " + description, e);
    } finally {
      deleteQuietly(temp);
    }
  }

  @Override
  public boolean putIfAbsent(String key, Path source) {
    Path target = path(key);
    if (Files.exists(target)) {
      checkNotDirectory(key, target);
      return false;
    }
    Path temp = copyToTemp(key, source);
    try {
      for (int attempt = 1; ; attempt++) {
        try {
          Files.createDirectories(target.getParent());
          linkOrMove(temp, target);
          return true;
        } catch (FileAlreadyExistsException e) {
          checkNotDirectory(key, target);
          return false;
        } catch (NoSuchFileException e) {
          // a concurrent delete removed the now-empty parent between createDirectories and the link
          if (attempt == RENAME_ATTEMPTS) {
            throw failure("cannot write '" + key + "' in " + description, e);
          }
        } catch (IOException e) {
          throw failure("cannot write '" + key + "' in " + description, e);
        }
      }
    } finally {
      deleteQuietly(temp);
    }
  }

  @Override
  public byte[] readBytes(String key) {
    Path path = path(key);
    try {
      return Files.readAllBytes(path);
    } catch (IOException e) {
      throw readFailure(key, path, e);
    }
  }

  @Override
  public InputStream open(String key) {
    Path path = path(key);
    try {
      if (Files.isDirectory(path)) {
        throw new ObjectNotFoundException(key, description);
      }
      return Files.newInputStream(path);
    } catch (IOException e) {
      throw readFailure(key, path, e);
    }
  }

  @Override
  public void download(String key, Path target) {
    Path path = path(key);
    // one open channel: a concurrent put renames a new file into place and leaves this one whole
    try (FileChannel source = FileChannel.open(path, StandardOpenOption.READ)) {
      if (Files.isDirectory(path)) {
        throw new ObjectNotFoundException(key, description);
      }
      long size = source.size();
      AtomicDownload.run(target, size, "'" + key + "' in " + description, channel -> {
        long done = 0;
        while (done < size) {
          long n = source.transferTo(done, size - done, channel);
          if (n <= 0) {
            break;
          }
          done += n;
        }
      });
    } catch (IOException e) {
      throw readFailure(key, path, e);
    }
  }

  @Override
  public List<ObjectInfo> list(String prefix) {
    Keys.checkPrefix(prefix);
    int slash = prefix.lastIndexOf('/');
    Path start = slash < 0 ? root : root.resolve(prefix.substring(0, slash));
    if (!Files.isDirectory(start)) {
      return List.of();
    }
    List<ObjectInfo> found = new ArrayList<>();
    try {
      Files.walkFileTree(start, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
          return dir.equals(tempDir) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          if (attrs.isRegularFile()) {
            String key = key(file);
            if (key.startsWith(prefix)) {
              found.add(new ObjectInfo(key, attrs.size(), null));
            }
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
          if (e instanceof NoSuchFileException) {
            return FileVisitResult.CONTINUE; // deleted while we listed
          }
          throw e;
        }
      });
    } catch (IOException e) {
      throw failure("cannot list '" + prefix + "' in " + description, e);
    }
    found.sort(Comparator.comparing(ObjectInfo::key));
    return found;
  }

  @Override
  public void delete(String key) {
    Path path = path(key);
    try {
      if (Files.isRegularFile(path)) {
        Files.deleteIfExists(path);
        removeEmptyParents(path.getParent());
      }
    } catch (IOException e) {
      throw failure("cannot delete '" + key + "' in " + description, e);
    }
  }

  /** Nothing to release. */
  @Override
  public void close() {}

  @Override
  public String toString() {
    return description;
  }

  private Path path(String key) {
    Keys.check(key);
    if (key.equals(TEMP_DIR) || key.startsWith(TEMP_DIR + "/")) {
      throw new IllegalArgumentException("object key '" + key + "' is reserved: " + description + " keeps temporary files in "
          + TEMP_DIR + "/");
    }
    return root.resolve(key);
  }

  private String key(Path file) {
    return root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
  }

  private Path newTempFile(String key) {
    try {
      Files.createDirectories(tempDir);
      return Files.createTempFile(tempDir, "put-", ".tmp");
    } catch (IOException e) {
      throw failure("cannot create a temporary file in " + tempDir + " for '" + key + "'", e);
    }
  }

  private Path copyToTemp(String key, Path source) {
    Objects.requireNonNull(source, "source");
    Path temp = newTempFile(key);
    try {
      Files.copy(source, temp, StandardCopyOption.REPLACE_EXISTING);
      return temp;
    } catch (IOException e) {
      deleteQuietly(temp);
      throw failure("cannot copy " + source + " to store it as '" + key + "' in " + description, e);
    }
  }

  private void moveIntoPlace(String key, Path temp, Path target) {
    for (int attempt = 1; ; attempt++) {
      try {
        Files.createDirectories(target.getParent());
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return;
      } catch (NoSuchFileException | FileAlreadyExistsException e) {
        // a concurrent delete removed the now-empty parent between createDirectories and the rename, or
        // while createDirectories was looking at it (it reports that as FileAlreadyExists of the parent)
        if (attempt == RENAME_ATTEMPTS || (e instanceof FileAlreadyExistsException && Files.isDirectory(target))) {
          throw failure("cannot write '" + key + "' in " + description, e);
        }
      } catch (IOException e) {
        checkNotDirectory(key, target);
        throw failure("cannot write '" + key + "' in " + description, e);
      }
    }
  }

  private static void linkOrMove(Path temp, Path target) throws IOException {
    try {
      Files.createLink(target, temp);
    } catch (UnsupportedOperationException | FileSystemException e) {
      if (e instanceof FileAlreadyExistsException || e instanceof NoSuchFileException) {
        throw (FileSystemException) e;
      }
      // no hard links here: Files.move without REPLACE_EXISTING checks, then renames (racy; see class doc)
      Files.move(temp, target);
    }
  }

  private void checkNotDirectory(String key, Path target) {
    if (Files.isDirectory(target)) {
      throw new ObjectStoreException("key '" + key + "' in " + description + " is a directory of other keys ('" + key
          + "/...'); a local store cannot hold both", false);
    }
  }

  private void removeEmptyParents(Path dir) {
    for (Path d = dir; d != null && !d.equals(root) && d.startsWith(root); d = d.getParent()) {
      try {
        Files.delete(d);
      } catch (DirectoryNotEmptyException | NoSuchFileException e) {
        return;
      } catch (IOException e) {
        return; // tidiness only; an empty directory left behind is harmless
      }
    }
  }

  private ObjectStoreException readFailure(String key, Path path, IOException e) {
    if (e instanceof NoSuchFileException || e instanceof NotDirectoryException || Files.isDirectory(path)) {
      return new ObjectNotFoundException(key, description, e);
    }
    return failure("cannot read '" + key + "' in " + description, e);
  }

  private static ObjectStoreException failure(String message, IOException e) {
    if (e instanceof java.nio.file.AccessDeniedException) {
      return new AccessDeniedException(message + ": permission denied", e);
    }
    return new ObjectStoreException(message + ": " + e, e, false);
  }

  private static void deleteQuietly(Path temp) {
    try {
      Files.deleteIfExists(temp);
    } catch (IOException e) {
      // the temporary file is in .tmp/, never listed; a leftover costs only disk space
    }
  }
}
