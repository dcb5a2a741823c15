package io.embedflow.orchestrator.registry;

/**
 * Told how a model import goes, in bytes: every file is read once to hash it, then stored unless the
 * store has its content already, so the work is twice the model's size. Called on the importing
 * thread.
 */
public interface ImportProgress {
    ImportProgress NONE = new ImportProgress() {};

    /** The import starts: {@code bytes} to hash and store, twice the model's size. */
    default void planned(long bytes) {}

    /** Bytes hashed and stored so far (a file already stored counts as stored). */
    default void progress(long bytes) {}

    /** The import ended, either way. */
    default void finished() {}
}
