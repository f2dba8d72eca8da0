package dev.vde.cli;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --wait[=SECONDS]}, mixed into every command that opens an image: what to do when
 * another process holds it. Without it the answer is status 5 at once, which is what a cron job
 * that must not pile up wants; a script that serialises its own steps waits instead.
 */
final class WaitOption {
    @Option(names = "--wait", arity = "0..1", paramLabel = "SECONDS", fallbackValue = "forever",
            converter = SecondsConverter.class,
            description = "When another process holds the image, wait until it lets go (for at most SECONDS, "
                    + "or forever without a value) instead of failing at once with status 5.")
    Duration wait = Duration.ZERO;

    /** Seconds, fractions allowed, or {@code forever}. */
    static final class SecondsConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            if ("forever".equals(value)) {
                return ChronoUnit.FOREVER.getDuration();
            }
            double seconds;
            try {
                seconds = Double.parseDouble(value);
            } catch (NumberFormatException e) {
                seconds = Double.NaN;
            }
            if (!(seconds >= 0) || seconds > 1e9) {
                throw new TypeConversionException("'" + value + "' is not a number of seconds (or 'forever')");
            }
            return Duration.ofNanos(Math.round(seconds * 1e9));
        }
    }
}
