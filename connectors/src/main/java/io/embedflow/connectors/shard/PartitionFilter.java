package io.embedflow.connectors.shard;

import io.embedflow.connectors.ConnectorException;
import java.io.Serializable;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Hive-style partitions: a file at {@code year=2024/country=de/part-0.parquet} under the dataset root
 * has the partition values {@code year=2024, country=de}, and a filter such as {@code --where
 * country=de --where country=fr --where year=2024} keeps the files whose values match: one of the
 * values given for each key (so repeated keys mean "or", different keys "and").
 *
 * <p>Values are compared as the strings in the path, after URL decoding ({@code %3D} is {@code =}),
 * as Hive and Spark write them.
 */
public final class PartitionFilter implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final PartitionFilter ALL = new PartitionFilter(Map.of());

  private final Map<String, Set<String>> allowed;

  private PartitionFilter(Map<String, Set<String>> allowed) {
    this.allowed = allowed;
  }

  /** Keeps every file. */
  public static PartitionFilter all() {
    return ALL;
  }

  /**
   * Parses {@code key=value} terms.
   *
   * @throws ConnectorException for a term without {@code =} or with an empty key, naming it
   */
  public static PartitionFilter parse(Collection<String> terms) {
    Map<String, Set<String>> allowed = new LinkedHashMap<>();
    for (String term : terms) {
      int eq = term.indexOf('=');
      if (eq <= 0) {
        throw new ConnectorException("partition filter '" + term + "' must look like key=value");
      }
      allowed.computeIfAbsent(term.substring(0, eq).trim(), k -> new LinkedHashSet<>()).add(term.substring(eq + 1));
    }
    return allowed.isEmpty() ? ALL : new PartitionFilter(Map.copyOf(allowed));
  }

  /** Whether this filter keeps every file. */
  public boolean isAll() {
    return allowed.isEmpty();
  }

  /** The partition keys the filter names. */
  public Set<String> keys() {
    return allowed.keySet();
  }

  /** Whether a file with these partition values passes. */
  public boolean matches(Map<String, String> values) {
    for (Map.Entry<String, Set<String>> entry : allowed.entrySet()) {
      String value = values.get(entry.getKey());
      if (value == null || !entry.getValue().contains(value)) {
        return false;
      }
    }
    return true;
  }

  /** The filter as {@code key=value} terms, sorted: for run records and messages. */
  public List<String> terms() {
    List<String> terms = new ArrayList<>();
    allowed.forEach((key, values) -> values.forEach(v -> terms.add(key + "=" + v)));
    terms.sort(null);
    return terms;
  }

  /**
   * The partition values in a path relative to the dataset root: every directory segment of the form
   * {@code key=value}, in order. Segments without {@code =} are ignored.
   */
  public static Map<String, String> valuesOf(String relativePath) {
    Map<String, String> values = new LinkedHashMap<>();
    String[] segments = relativePath.split("/");
    for (int i = 0; i < segments.length - 1; i++) {
      int eq = segments[i].indexOf('=');
      if (eq > 0) {
        values.put(decode(segments[i].substring(0, eq)), decode(segments[i].substring(eq + 1)));
      }
    }
    return values;
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return s;
    }
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof PartitionFilter that && allowed.equals(that.allowed);
  }

  @Override
  public int hashCode() {
    return allowed.hashCode();
  }

  @Override
  public String toString() {
    return isAll() ? "all partitions" : String.join(" and ", terms());
  }
}
