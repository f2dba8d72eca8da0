package dev.vde.cli;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** "Did you mean" for a mistyped command. */
final class Suggestions {
    private Suggestions() {
    }

    /**
     * The commands within two edits (a transposition counts as one) of a mistyped {@code word}, for
     * "did you mean": picocli's own suggestions miss transpositions such as "ifno" for "info".
     */
    static List<String> near(String word, Collection<String> commands) {
        List<String> near = new ArrayList<>();
        for (String c : commands) {
            if (editDistance(word, c) <= Math.min(2, c.length() / 2) || c.startsWith(word) && word.length() >= 2) {
                near.add(c);
            }
        }
        return near;
    }

    /** Optimal string alignment distance: insertions, deletions, substitutions, adjacent transpositions. */
    static int editDistance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            for (int j = 0; j <= b.length(); j++) {
                if (i == 0 || j == 0) {
                    d[i][j] = i + j;
                    continue;
                }
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
