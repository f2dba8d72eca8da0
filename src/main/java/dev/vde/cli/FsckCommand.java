package dev.vde.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.vde.check.Checker;
import dev.vde.check.Finding;
import dev.vde.check.Findings;
import dev.vde.check.Repairer;
import dev.vde.check.Severity;
import dev.vde.image.Image;
import dev.vde.io.Progress;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "fsck", mixinStandardHelpOptions = true,
        header = "Check an image offline, and repair it with --repair.",
        description = {"Check an image offline: both superblocks, every block trailer, every tree (order, levels, fill, "
                + "separators, sibling links), extents (overlap, inside the data region), the bitmap against a recount "
                + "of referenced blocks (leaked, used but free, used twice), counters, inodes against the name index, "
                + "the write-ahead log, and the snapshots: the catalog, the snapshot list, every snapshot's file table "
                + "and frozen extent trees (checked like the live ones), and the ref-count table.",
            "A data block may be mapped by the live files and by any number of snapshots; its stored reference count "
                + "must equal how many of them map it (the live state and each snapshot count once). Too low is damage "
                + "(a later write or delete could free a block still mapped), too high harmless (a leak). Within the "
                + "live state, within one snapshot, and for every metadata block a block has one holder.",
            "Each finding names its block, structure, inode and file, and is damage or harmless (harmless: nothing is "
                + "lost, e.g. a leaked block). Without --repair nothing is written: the image file is unchanged, byte "
                + "for byte.",
            "With --repair: rebuilds what is derived (bitmap, counters, name index, sibling links, tree shape, the "
                + "ref-count table from the recount, the snapshot list) from the files and snapshots, removes and names "
                + "files that cannot be saved, as one transaction, then checks again. A snapshot is kept whole or not "
                + "at all: one whose content is intact is rewritten where its metadata breaks a rule; one that cannot be "
                + "read whole (an unreadable file-table page or frozen tree node) or is ambiguous (a duplicate name or "
                + "id, a frozen inode the image never handed out) is dropped and named. No block that a kept file or "
                + "snapshot maps is freed.",
            "Finding kinds (the codes of --json): damage: superblock-copy, no-superblock, truncated, wal-log, bad-block, "
                + "inode, tree, sibling-link, extent, extent-overlap, name-missing, name-dangling, name-duplicate, "
                + "used-twice, used-but-free, catalog, snapshot-page, snapshot, refcount-low, refcount-entry; harmless: "
                + "wal-header, extent-past-eof, file-counters, leaked, counters, snapshot-record, shared-cow, "
                + "refcount-high, refcount-stray; notes: superblock-pending, wal-pending, wal-interrupted.",
            "With --json: {\"image\", \"status\", \"clean\", \"files\", \"summary\": {\"damage\", \"harmless\", \"notes\", "
                + "\"total\"}, \"findings\": [{\"kind\", \"severity\", \"block\", \"structure\", \"inode\", \"name\", "
                + "\"message\", \"repaired\"}], \"removed\": [...]}; block is -1 and inode 0 where they do not apply; "
                + "files counts the live files; removed names files (\"inode N 'NAME'\") and snapshots "
                + "(\"snapshot 'NAME' (id N: why)\", or the part of the list that could not be read) that repair "
                + "could not keep."},
        exitCodeListHeading = "%nExit status (as e2fsck's):%n",
        exitCodeList = {
            "0:no errors (notes, such as a log left by a crash, do not count)",
            "1:errors were found and all were repaired (with --repair, also when all it did was write home a log a crash left: the file changed, as e2fsck answers after a journal replay)",
            "2:usage error (bad option or argument)",
            "3:the image file does not exist",
            "4:errors are left (or were found, without --repair)",
            "5:the image is locked by another process",
            "8:the check could not run (not an image, a newer format, an I/O error)"},
        footer = {"%nExamples:",
            "  vde fsck disk.vde",
            "  vde fsck disk.vde --repair",
            "  vde fsck disk.vde --json | jq '.findings[] | select(.severity == \"damage\")'"})
final class FsckCommand extends ImageCommand {
    static final int CLEAN = 0;
    static final int REPAIRED = 1;
    static final int ERRORS_LEFT = 4;
    static final int CANNOT_CHECK = 8;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image.")
    Path image;

    @Option(names = "--repair", description = "Repair what can be repaired (one transaction), then check again.")
    boolean repair;

    @Option(names = "--json", description = "Print one JSON document.")
    boolean json;

    @Mixin
    ProgressOption progress;

    @Mixin
    WaitOption lockWait = new WaitOption();

    @Override
    public Integer call() throws Exception {
        main().currentImage = image.toString();
        Image.RawImage raw;
        try {
            raw = Image.openRaw(image, repair, lockWait.wait);
        } catch (dev.vde.format.CorruptImageException e) {
            // Not an image at all: there is nothing to check.
            io().err().println("vde: error: " + ExitCodes.oneLine(e.getMessage()));
            return CANNOT_CHECK;
        }
        try (raw) {
            return check(raw);
        } catch (dev.vde.format.UnsupportedFormatException e) {
            // A newer format: this vde cannot check it, which is not the same as finding errors.
            io().err().println("vde: error: " + ExitCodes.oneLine("unsupported: " + e.getMessage()));
            return CANNOT_CHECK;
        }
    }

    private int check(Image.RawImage raw) throws Exception {
        Progress meter = ProgressMeter.open(io(), progress.when, repair ? "fsck --repair" : "fsck",
                ProgressMeter.Unit.FILES);
        if (!repair) {
            Checker c;
            try {
                c = Checker.check(raw.device, meter);
            } finally {
                ProgressMeter.close(meter);
            }
            int status = c.findings().isClean() ? CLEAN : ERRORS_LEFT;
            report(c, List.of(), status, false);
            return status;
        }
        Repairer.Result r;
        try {
            r = Repairer.repair(raw.device, meter);
        } finally {
            ProgressMeter.close(meter);
        }
        Checker after = Checker.check(raw.device);
        boolean clean = after.findings().isClean();
        int status = !r.before().findings().isClean() || r.changed() ? (clean ? REPAIRED : ERRORS_LEFT) : CLEAN;
        if (clean) {
            r.before().findings().list().forEach(Finding::markRepaired);
            report(r.before(), r.removed(), status, true);
        } else {
            report(after, r.removed(), status, true);
        }
        return status;
    }

    private void report(Checker c, List<String> removed, int status, boolean repaired) throws Exception {
        Findings f = c.findings();
        if (json) {
            try (JsonGenerator g = Json.generator(io())) {
                g.writeStartObject();
                g.writeStringField("image", image.toString());
                g.writeNumberField("status", status);
                g.writeBooleanField("clean", status == CLEAN || status == REPAIRED);
                g.writeNumberField("files", c.files());
                g.writeObjectFieldStart("summary");
                g.writeNumberField("damage", f.damage());
                g.writeNumberField("harmless", f.harmless());
                g.writeNumberField("notes", f.total() - f.damage() - f.harmless());
                g.writeNumberField("total", f.total());
                g.writeEndObject();
                g.writeArrayFieldStart("findings");
                for (Finding x : f.list()) {
                    g.writeStartObject();
                    g.writeStringField("kind", x.kind.code());
                    g.writeStringField("severity", x.severity().name().toLowerCase(java.util.Locale.ROOT));
                    g.writeNumberField("block", x.block);
                    g.writeStringField("structure", x.structure);
                    g.writeNumberField("inode", x.inode);
                    g.writeStringField("name", x.name);
                    g.writeStringField("message", x.message);
                    g.writeBooleanField("repaired", x.repaired());
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeArrayFieldStart("removed");
                for (String r : removed) {
                    g.writeString(r);
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            return;
        }
        PrintWriter out = io().out();
        Style style = style();
        for (Finding x : f.list()) {
            out.println(severity(style, x.severity(), x.toString()));
        }
        if (f.total() > f.list().size()) {
            out.printf("... and %d more findings%n", f.total() - f.list().size());
        }
        for (String r : removed) {
            out.println("removed " + r + ": it could not be saved");
        }
        String summary = f.total() == 0 ? "no problems"
                : f.damage() + " damage, " + f.harmless() + " harmless" + (f.total() - f.damage() - f.harmless() > 0
                        ? ", " + (f.total() - f.damage() - f.harmless()) + " notes" : "");
        String verdict = switch (status) {
            case CLEAN -> "clean";
            case REPAIRED -> "repaired; the image is clean now";
            default -> repaired ? "errors left after repair" : "errors found (run with --repair to fix them)";
        };
        String shown = status == CLEAN || status == REPAIRED ? style.good(verdict) : style.bad(verdict);
        out.printf("%s: %d files, %s: %s%n", image, c.files(), summary, shown);
    }

    /** A finding's line, coloured by how bad it is. */
    private static String severity(Style style, Severity s, String line) {
        return switch (s) {
            case DAMAGE -> style.bad(line);
            case HARMLESS -> style.warn(line);
            default -> style.dim(line);
        };
    }
}
