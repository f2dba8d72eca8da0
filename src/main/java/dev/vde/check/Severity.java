package dev.vde.check;

/**
 * How bad a finding is. Notes are normal states worth saying (a committed log not yet copied
 * home after a crash) and leave the exit status at 0; harmless findings lose nothing (a leaked
 * block, a stale counter); damage loses or risks data.
 */
public enum Severity {
    NOTE,
    HARMLESS,
    DAMAGE
}
