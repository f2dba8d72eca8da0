package dev.vde.testdata;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vde.cli.Io;
import dev.vde.cli.Main;
import dev.vde.delta.DeltaReader;
import dev.vde.delta.DeltaSamples;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;

/**
 * The committed format-v1 deltas of {@code testdata/deltas/}: the current reader reads the clean
 * ones to the same header and records they were written from, the current writer still writes
 * them byte for byte, and {@code vde inspect} reports what {@code expected.tsv} records for every
 * one, clean or damaged.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DeltaFixturesTest {
    static final Path DELTAS = Path.of("testdata", "deltas");
    private static final ObjectMapper JSON = new ObjectMapper();

    static List<DeltaFixtureGenerator.Expect> expected() throws IOException {
        List<String> lines = Files.readAllLines(DELTAS.resolve("expected.tsv"));
        assertThat(lines.get(0)).isEqualTo(DeltaFixtureGenerator.HEADER);
        return lines.stream().skip(1).map(DeltaFixtureGenerator.Expect::parse).toList();
    }

    @Test
    void everyDeltaIsListedOnce() throws IOException {
        List<String> listed = expected().stream().map(DeltaFixtureGenerator.Expect::delta).toList();
        try (Stream<Path> s = Files.list(DELTAS)) {
            List<String> files = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".rdlt")).sorted().toList();
            assertThat(listed).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(files);
        }
    }

    @TestFactory
    Stream<DynamicTest> theCleanDeltasReadAsWrittenAndAreWrittenTheSameWay() {
        return DeltaFixtureGenerator.clean().entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
            DeltaFixtureGenerator.Clean c = e.getValue();
            byte[] committed = Files.readAllBytes(DELTAS.resolve(e.getKey()));
            try (FileChannel in = FileChannel.open(DELTAS.resolve(e.getKey()))) {
                DeltaReader r = new DeltaReader(in, e.getKey());
                assertThat(r.header()).isEqualTo(c.header());
            }
            List<dev.vde.delta.DeltaRecord> read = DeltaSamples.readAll(committed);
            assertThat(read.subList(0, read.size() - 1)).isEqualTo(c.records());
            assertThat(c.write().bytes()).as("the writer's bytes for " + e.getKey()).isEqualTo(committed);
        }));
    }

    @TestFactory
    Stream<DynamicTest> inspectReportsWhatExpectedTsvSays() throws IOException {
        return expected().stream().map(x -> DynamicTest.dynamicTest(x.delta(), () -> {
            Path p = DELTAS.resolve(x.delta());
            assertThat(Files.size(p)).isEqualTo(x.streamBytes());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Io io = new Io(new ByteArrayInputStream(new byte[0]), out, err);
            int status = Main.commandLine(io).execute("inspect", p.toString(), "--json");
            io.out().flush();
            String stderr = err.toString(StandardCharsets.UTF_8);
            assertThat(status).as(stderr).isEqualTo(x.status());
            JsonNode doc = JSON.readTree(out.toByteArray());
            if (x.status() == 0) {
                assertThat(stderr).isEmpty();
                JsonNode s = doc.get("summary");
                assertThat(Map.of("records", s.get("records").asLong(), "extents", s.get("extents").asLong(),
                        "dataBytes", s.get("dataBytes").asLong(), "streamBytes", s.get("streamBytes").asLong()))
                        .isEqualTo(Map.of("records", x.records(), "extents", x.extents(), "dataBytes", x.dataBytes(),
                                "streamBytes", x.streamBytes()));
                assertThat(doc.get("records")).hasSize((int) x.records() - 1);
                assertThat(doc.has("error")).isFalse();
            } else {
                String[] at = x.error().split("@");
                assertThat(doc.get("error").get("record").asLong()).isEqualTo(Long.parseLong(at[0]));
                assertThat(doc.get("error").get("position").asLong()).isEqualTo(Long.parseLong(at[1]));
                assertThat(doc.get("summary").isNull()).isTrue();
                assertThat(stderr).startsWith("vde: error: ").contains(x.message())
                        .contains("record " + at[0] + " ").contains(" at byte " + at[1] + ": ");
                assertThat(stderr.lines().count()).isEqualTo(1);
            }
        }));
    }
}
