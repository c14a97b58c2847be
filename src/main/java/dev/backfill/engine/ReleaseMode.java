package dev.backfill.engine;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a chunk's transaction releases other users' waiting rows. {@code careful}: under savepoints, which find
 * the rows the target refuses (set once it refused one: a row written in a subtransaction carries that one's id,
 * so its ledger row gets no proof and parity hashes it). {@code refused}: rows an earlier attempt of this
 * transaction found the target does not hold as written ({@link #key} → why), not to be written again: they keep
 * waiting with that message. Keyed by what the row is, not its pending id: a row stored as waiting in the
 * transaction itself gets a new id at each attempt.
 */
record ReleaseMode(boolean careful, Map<String, String> refused) {
    static final ReleaseMode PLAIN = new ReleaseMode(false, Map.of());

    ReleaseMode carefully() {
        return new ReleaseMode(true, refused);
    }

    /** With these rows refused too; null when it names no row not named already (another attempt would change nothing). */
    ReleaseMode refusing(Map<String, String> more) {
        if (refused.keySet().containsAll(more.keySet())) {
            return null;
        }
        Map<String, String> all = new LinkedHashMap<>(refused);
        all.putAll(more);
        return new ReleaseMode(careful, Map.copyOf(all));
    }

    /** A pending row's identity across attempts: its user, entity and key. */
    static String key(String user, String entity, String keyJson) {
        return user + '\u001f' + entity + '\u001f' + keyJson;
    }

    static String key(dev.backfill.control.PendingStore.PendingRow row) {
        return key(row.user(), row.entity(), row.keyJson());
    }
}
