package dev.vde.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vde.delta.DeltaSamples;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code vde inspect}: text and JSON output, standard input, and its errors. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class InspectCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final DeltaSamples.Stream small = DeltaSamples.small();

    private Path file(String name, byte[] b) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, b);
        return p;
    }

    @Test
    void printsTheHeaderEveryRecordAndASummary() throws Exception {
        Path d = file("d.rdlt", small.bytes());
        String out = CliTest.ok("inspect", d.toString()).out();
        assertThat(out).contains("delta:         " + d, "format:        rdlt version 1, incremental",
                "block size:    512", "source image:  " + DeltaSamples.SOURCE,
                "snapshot:      tuesday (uuid ", "txid 40", "base:          monday (", "txids:         since 12, until 40",
                "extents:       1 DATA record\n");
        List<String> records = out.lines().filter(l -> l.matches("\\s+\\d+\\s+\\d+\\s+[A-Z]+.*")).toList();
        assertThat(records).hasSize(9);
        assertThat(records.get(0)).matches("\\s+1\\s+712\\s+DELE\\s+4\\s+\"gone.txt\"");
        assertThat(records.get(2)).matches("\\s+3\\s+784\\s+MOVE\\s+3\\s+to \"renamed\"");
        assertThat(records.get(4)).matches("\\s+5\\s+849\\s+FILE\\s+7\\s+new \"new.txt\"");
        assertThat(records.get(6)).matches("\\s+7\\s+918\\s+DATA\\s+7\\s+offset 0, 1 block \\(source block 4242\\), 512 data bytes");
        assertThat(records.get(7)).matches("\\s+8\\s+1490\\s+HOLE\\s+7\\s+offset 512, length 512");
        assertThat(records.get(8)).matches("\\s+9\\s+1530\\s+END\\s+10 records, 1578 bytes, 512 data bytes, stream checksum [0-9a-f]{16}");
        assertThat(out).endsWith("summary:       10 records, 1 extent, 512 data bytes (512 B), 1578 stream bytes (1.5 KiB): valid\n");
    }

    @Test
    void readsStandardInput() {
        String out = CliTest.ok(small.bytes(), "inspect", "-").out();
        assertThat(out).startsWith("delta:         stdin\n").contains(": valid\n");
    }

    @Test
    void jsonIsOneDocument() throws Exception {
        JsonNode doc = JSON.readTree(CliTest.ok(small.bytes(), "inspect", "-", "--json").stdout());
        JsonNode h = doc.get("header");
        assertThat(h.get("magic").asText()).isEqualTo("RDLT");
        assertThat(h.get("version").asInt()).isEqualTo(1);
        assertThat(h.get("sinceTxId").asLong()).isEqualTo(12);
        assertThat(h.get("untilTxId").asLong()).isEqualTo(40);
        assertThat(h.get("extentCount").asInt()).isEqualTo(1);
        assertThat(h.get("full").asBoolean()).isFalse();
        assertThat(h.get("blockSize").asInt()).isEqualTo(512);
        assertThat(h.get("sourceImage").asText()).isEqualTo(DeltaSamples.SOURCE.toString());
        assertThat(h.get("snapshot").get("name").asText()).isEqualTo("tuesday");
        assertThat(h.get("snapshot").get("digest").asText()).matches("[0-9a-f]{32}");
        assertThat(h.get("base").get("txid").asLong()).isEqualTo(12);
        JsonNode records = doc.get("records");
        assertThat(records).hasSize(9);
        assertThat(records.findValuesAsText("type")).containsExactly("DELE", "FILE", "MOVE", "SIZE", "FILE", "SIZE",
                "DATA", "HOLE", "END");
        JsonNode data = records.get(6);
        assertThat(data.get("record").asLong()).isEqualTo(7);
        assertThat(data.get("position").asLong()).isEqualTo(918);
        assertThat(data.get("inode").asLong()).isEqualTo(7);
        assertThat(data.get("offset").asLong()).isZero();
        assertThat(data.get("blocks").asInt()).isEqualTo(1);
        assertThat(data.get("startBlock").asLong()).isEqualTo(4242);
        assertThat(data.get("dataLength").asInt()).isEqualTo(512);
        assertThat(records.get(4).get("new").asBoolean()).isTrue();
        assertThat(records.get(1).get("new").asBoolean()).isFalse();
        assertThat(records.get(8).get("recordCount").asLong()).isEqualTo(10);
        JsonNode s = doc.get("summary");
        assertThat(s.get("records").asLong()).isEqualTo(10);
        assertThat(s.get("extents").asLong()).isEqualTo(1);
        assertThat(s.get("dataBytes").asLong()).isEqualTo(512);
        assertThat(s.get("streamBytes").asLong()).isEqualTo(1578);
        assertThat(doc.has("error")).isFalse();

        JsonNode full = JSON.readTree(CliTest.ok(DeltaSamples.write(DeltaSamples.full(4096, 0), List.of()).bytes(),
                "inspect", "-", "--json").stdout());
        assertThat(full.get("header").get("base").isNull()).isTrue();
        assertThat(full.get("header").get("sinceTxId").asLong()).isZero();
        assertThat(full.get("records")).hasSize(1);
    }

    @Test
    void anInvalidStreamPrintsTheVerifiedRecordsThenOneLineAndStatus7() {
        byte[] b = DeltaSamples.flip(small.bytes(), 866, 0x20); // in the body of record 5, at 849
        CliTest.Run r = CliTest.run(b, "inspect", "-");
        assertThat(r.status()).isEqualTo(7);
        assertThat(r.stderr()).isEqualTo("vde: error: corrupt delta: stdin: record 5 (FILE) at byte 849: "
                + "checksum mismatch: the record is damaged, or out of place\n");
        assertThat(r.out()).contains("     4          817  SIZE").doesNotContain("  5          849").doesNotContain("summary");
    }

    @Test
    void anInvalidStreamStillGivesAWholeJsonDocument() throws Exception {
        CliTest.Run r = CliTest.run(DeltaSamples.cut(small.bytes(), 1000), "inspect", "-", "--json");
        assertThat(r.status()).isEqualTo(7);
        assertThat(r.stderr()).startsWith("vde: error: corrupt delta: stdin: record 7 (DATA) at byte 918: truncated");
        JsonNode doc = JSON.readTree(r.stdout());
        assertThat(doc.get("records")).hasSize(6);
        assertThat(doc.get("summary").isNull()).isTrue();
        assertThat(doc.get("error").get("record").asLong()).isEqualTo(7);
        assertThat(doc.get("error").get("position").asLong()).isEqualTo(918);
        assertThat(doc.get("error").get("message").asText()).isEqualTo(r.stderr().strip().substring("vde: error: ".length()));

        r = CliTest.run(new byte[0], "inspect", "-", "--json");
        assertThat(r.status()).isEqualTo(7);
        doc = JSON.readTree(r.stdout());
        assertThat(doc.get("header").isNull()).isTrue();
        assertThat(doc.get("records")).isEmpty();
        assertThat(doc.get("error").get("message").asText()).contains("the stream is empty");
    }

    @Test
    void errorsOfTheArguments() throws Exception {
        CliTest.fails(3, "inspect", dir.resolve("missing.rdlt").toString());
        CliTest.fails(8, "inspect", dir.toString());
        CliTest.fails(2, "inspect");
        CliTest.fails(7, new byte[0], "inspect", "-");
        CliTest.fails(7, "inspect", file("text.rdlt", "hello\n".getBytes()).toString());
    }

    @Test
    void helpHasExamplesAndExitStatuses() {
        String help = CliTest.ok("inspect", "--help").out();
        assertThat(help).contains("Usage: vde inspect", "DELTA", "--json", "Examples:", "vde inspect monday.rdlt",
                "Exit status:", "7   corrupt or unsupported input (image or delta fails validation)");
        assertThat(help.replaceAll("\\s+", " ")).contains("the records before it have been printed",
                "its place in the order of records");
        assertThat(CliTest.ok("--help").out()).contains("inspect");
    }
}
