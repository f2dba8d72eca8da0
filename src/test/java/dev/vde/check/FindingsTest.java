package dev.vde.check;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Past the limit findings are counted, not kept, so a badly damaged image cannot exhaust memory. */
class FindingsTest {
    @Test
    void keepsTheFirstFindingsAndCountsTheRest() {
        Findings f = new Findings();
        for (int i = 0; i < Findings.LIMIT + 5; i++) {
            f.add(new Finding(i % 2 == 0 ? Kind.LEAKED : Kind.BAD_BLOCK, i, "bitmap", 0, null, "x"));
        }
        f.add(new Finding(Kind.WAL_PENDING, 2, "WAL", 0, null, "note"));
        assertThat(f.list()).hasSize(Findings.LIMIT);
        assertThat(f.list().get(0).block).isZero();
        assertThat(f.total()).isEqualTo(Findings.LIMIT + 6);
        assertThat(f.damage()).isEqualTo((Findings.LIMIT + 5) / 2);
        assertThat(f.harmless()).isEqualTo(Findings.LIMIT + 5 - (Findings.LIMIT + 5) / 2);
        assertThat(f.isClean()).isFalse();
    }

    @Test
    void notesAloneAreClean() {
        Findings f = new Findings();
        f.add(new Finding(Kind.WAL_PENDING, 2, "WAL", 0, null, "note"));
        assertThat(f.isClean()).isTrue();
        assertThat(f.total()).isEqualTo(1);
    }
}
