package io.embedflow.connectors.store;

import java.util.Objects;

/** The key and prefix rules of {@link ObjectStore}, shared by its implementations. */
final class Keys {
  private Keys() {}

  /** Returns {@code key} when it is a valid key, else throws {@link IllegalArgumentException} naming it. */
  static String check(String key) {
    Objects.requireNonNull(key, "key");
    if (key.isEmpty()) {
      throw new IllegalArgumentException("object key must not be empty");
    }
    if (key.endsWith("/")) {
      throw new IllegalArgumentException("object key '" + key + "' must not end with '/'");
    }
    checkSegments(key, "object key");
    return key;
  }

  /** Returns {@code prefix} when it is a valid list prefix ({@code ""}, or a key with an optional trailing {@code /}). */
  static String checkPrefix(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    if (prefix.isEmpty()) {
      return prefix;
    }
    String body = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
    if (body.isEmpty()) {
      throw new IllegalArgumentException("list prefix must not be '/'; use \"\" to list everything");
    }
    checkSegments(body, "list prefix");
    return prefix;
  }

  private static void checkSegments(String key, String what) {
    if (key.startsWith("/")) {
      throw new IllegalArgumentException(what + " '" + key + "' must be relative (no leading '/')");
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c < 0x20 || c == 0x7f || c == '\\') {
        throw new IllegalArgumentException(what + " '" + key.replaceAll("\\p{Cntrl}", "?")
            + "' contains a control character or '\\' at index " + i);
      }
    }
    for (String segment : key.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException(what + " '" + key + "' has an empty, '.' or '..' segment");
      }
    }
  }
}
