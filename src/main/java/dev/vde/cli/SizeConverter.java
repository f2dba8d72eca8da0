package dev.vde.cli;

import java.util.Locale;
import picocli.CommandLine;

/**
 * Parses sizes: a non-negative integer with an optional binary suffix K, M, G, T, P or E
 * (optionally followed by "iB" or "B"), e.g. {@code 4096}, {@code 64K}, {@code 1.5G} is not
 * accepted (whole numbers only), {@code 20TiB}.
 */
public final class SizeConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        return parse(value);
    }

    public static long parse(String value) {
        String v = value.trim();
        String upper = v.toUpperCase(Locale.ROOT);
        if (upper.endsWith("IB")) {
            upper = upper.substring(0, upper.length() - 2);
        } else if (upper.endsWith("B") && upper.length() > 1 && Character.isLetter(upper.charAt(upper.length() - 2))) {
            upper = upper.substring(0, upper.length() - 1);
        }
        int shift = 0;
        if (!upper.isEmpty()) {
            int i = "KMGTPE".indexOf(upper.charAt(upper.length() - 1));
            if (i >= 0) {
                shift = 10 * (i + 1);
                upper = upper.substring(0, upper.length() - 1);
            }
        }
        if (upper.isEmpty() || !upper.chars().allMatch(Character::isDigit) || upper.length() > 19) {
            throw new CommandLine.TypeConversionException("'" + value
                    + "' is not a size (use a whole number with an optional K, M, G, T, P or E suffix)");
        }
        long n;
        try {
            n = Long.parseLong(upper);
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("size '" + value + "' is too large");
        }
        if (shift > 0 && n > (Long.MAX_VALUE >> shift)) {
            throw new CommandLine.TypeConversionException("size '" + value + "' is too large");
        }
        return n << shift;
    }
}
