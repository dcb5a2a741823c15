package io.embedflow.connectors.redact;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes secrets from text meant for logs, error messages and reports.
 *
 * <p>What it hides, and what it keeps so the text stays useful:
 * <ul>
 *   <li>User info in URIs: all of it for {@code s3://} ({@code s3://KEY:SECRET@b} → {@code s3://***@b}), since
 *       both halves are credentials; only the password for other schemes
 *       ({@code postgresql://u:p@h} → {@code postgresql://u:***@h}). A user name alone is kept.
 *   <li>Values of password parameters in JDBC URLs, connection strings and properties: any key ending in
 *       {@code password} or {@code passwd} ({@code password=}, {@code sslpassword=}, {@code user-password=},
 *       {@code keyStorePassword:} …) becomes {@code key=***}.
 *   <li>Values after AWS secret names: {@code aws_secret_access_key}, {@code secretKey},
 *       {@code SecretAccessKey}, {@code secret_key}, {@code aws_session_token}, {@code sessionToken},
 *       {@code x-amz-security-token}, in {@code k=v}, {@code k: v}, {@code "k": "v"} and
 *       {@code <k>v</k>} forms, any case.
 * </ul>
 * It is pattern-based, so it errs towards hiding too much; it cannot find a secret that has no
 * recognisable name or place, which is why secrets must never be put into text in the first place.
 *
 * <pre>{@code
 * LOG.warn("cannot open {}", Redaction.redact(location));
 * }</pre>
 */
public final class Redaction {
  /** What a hidden value is replaced with. */
  public static final String MASK = "***";

  /** scheme://userinfo@ ; the greedy userinfo backtracks to the last '@' before the path, so '@' in a password is covered. */
  private static final Pattern URI_USERINFO =
      Pattern.compile("(?<scheme>\\b[A-Za-z][A-Za-z0-9+.\\-]*)://(?<userinfo>[^/\\s\"'<>]*)@");

  private static final String VALUE = "(?<value>\"[^\"]*\"|'[^']*'|[^\\s&;,\"'<>)}\\]]+)";

  private static final Pattern PASSWORD_PARAM = Pattern.compile(
      "(?i)(?<![A-Za-z0-9])(?<key>[A-Za-z0-9_.\\-]*(?:password|passwd))(?<sep>[\"']?\\s*[=:]\\s*)" + VALUE);

  private static final String AWS_SECRET_NAMES = "aws_secret_access_key|secret_?access_?key|secret_?key"
      + "|aws_session_token|session_?token|x-amz-security-token";

  private static final Pattern AWS_SECRET_PARAM = Pattern.compile(
      "(?i)(?<![A-Za-z0-9])(?<key>(?:" + AWS_SECRET_NAMES + "))(?<sep>[\"']?\\s*[=:]\\s*)" + VALUE);

  private static final Pattern AWS_SECRET_XML = Pattern.compile(
      "(?i)(?<open><(?:" + AWS_SECRET_NAMES + ")>)[^<]*(?<close></)");

  private Redaction() {}

  /** Returns {@code text} with every secret this class recognises replaced by {@value #MASK}; {@code null} stays {@code null}. */
  public static String redact(String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    String result = redactUserInfo(text);
    result = replaceValues(PASSWORD_PARAM, result);
    result = replaceValues(AWS_SECRET_PARAM, result);
    result = AWS_SECRET_XML.matcher(result).replaceAll("${open}" + MASK + "${close}");
    return result;
  }

  private static String redactUserInfo(String text) {
    Matcher m = URI_USERINFO.matcher(text);
    StringBuilder out = new StringBuilder(text.length());
    while (m.find()) {
      String scheme = m.group("scheme");
      String userInfo = m.group("userinfo");
      int colon = userInfo.indexOf(':');
      String hidden;
      if (scheme.equalsIgnoreCase("s3")) {
        hidden = MASK;
      } else if (colon >= 0) {
        hidden = userInfo.substring(0, colon + 1) + MASK;
      } else {
        hidden = userInfo;
      }
      m.appendReplacement(out, Matcher.quoteReplacement(scheme + "://" + hidden + "@"));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static String replaceValues(Pattern pattern, String text) {
    Matcher m = pattern.matcher(text);
    StringBuilder out = new StringBuilder(text.length());
    while (m.find()) {
      String value = m.group("value");
      String masked;
      if (value.startsWith("\"")) {
        masked = "\"" + MASK + "\"";
      } else if (value.startsWith("'")) {
        masked = "'" + MASK + "'";
      } else {
        masked = MASK;
      }
      m.appendReplacement(out, Matcher.quoteReplacement(m.group("key") + m.group("sep") + masked));
    }
    m.appendTail(out);
    return out.toString();
  }
}
