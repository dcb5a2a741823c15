package io.embedflow.orchestrator.http;

/** What the server's HTML pages share: escaping and the content security policy. */
public final class Html {

    /**
     * The policy of every page: scripts, styles and data from this server only, nothing inline, no
     * frames. The page icon is an empty {@code data:} URL, so that no request for {@code /favicon.ico}
     * fails in the console.
     */
    public static final String PAGE_POLICY = "default-src 'self'; img-src 'self' data:; object-src 'none'; "
            + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private Html() {
    }

    /** {@code text} safe inside an element or a quoted attribute. */
    public static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
