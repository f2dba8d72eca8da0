package dev.vde.cli;

import picocli.CommandLine.Option;

/** {@code --progress}, mixed into the commands whose work can take long. */
final class ProgressOption {
    @Option(names = "--progress", paramLabel = "WHEN", defaultValue = "auto",
            description = "Show progress, rate and time left on standard error: auto (when it is a terminal), "
                    + "always or never (default: ${DEFAULT-VALUE}).")
    Style.When when = Style.When.auto;
}
