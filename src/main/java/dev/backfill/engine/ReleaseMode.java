package dev.backfill.engine;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a chunk's transaction releases other users' waiting rows. {@code careful}: under savepoints, which find
 * the rows the target refuses (set once it refused one: a row written in a subtransaction carries that one's id,
 * so its ledger row gets no proof and parity hashes it). {@code refused}: pending rows an earlier attempt of
 * this transaction found the target does not hold as written (pending id → why), not to be written again:
 * they keep waiting with that message.
 */
record ReleaseMode(boolean careful, Map<Long, String> refused) {
    static final ReleaseMode PLAIN = new ReleaseMode(false, Map.of());

    ReleaseMode carefully() {
        return new ReleaseMode(true, refused);
    }

    ReleaseMode refusing(Map<Long, String> more) {
        Map<Long, String> all = new LinkedHashMap<>(refused);
        all.putAll(more);
        return new ReleaseMode(careful, Map.copyOf(all));
    }
}
