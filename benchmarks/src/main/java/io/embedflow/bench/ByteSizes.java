package io.embedflow.bench;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Sizes on the command line: a whole number of bytes with an optional binary unit, {@code k}, {@code m},
 * {@code g} (also {@code KiB}, {@code MiB}, {@code GiB}, {@code KB}, …; all powers of 1024), as in
 * {@code --large-total 1g}.
 */
final class ByteSizes implements ITypeConverter<Long> {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgt]?)(i?b)?");

    @Override
    public Long convert(String text) {
        return parse(text);
    }

    static long parse(String text) {
        Matcher m = SIZE.matcher(text.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new TypeConversionException("'" + text + "' is not a size like 1g, 64m, 512k or 4096");
        }
        int shift = switch (m.group(2)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        try {
            long n = Long.parseLong(m.group(1));
            if (n > Long.MAX_VALUE >> shift) {
                throw new TypeConversionException("size '" + text + "' is too large");
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw new TypeConversionException("size '" + text + "' is too large");
        }
    }

    /** {@code 64 MiB}, {@code 1 GiB}, {@code 1.5 GiB}, {@code 512 B}: for tables and messages. */
    static String format(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f %s", v, units[u])
                : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
