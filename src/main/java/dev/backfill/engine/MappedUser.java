package dev.backfill.engine;

import dev.backfill.mapping.UserMapping;

/** One user mapped against the target: the mapping, and which target rows its planned rows met. */
record MappedUser(UserMapping mapping, TargetFingerprint target) {
    String user() {
        return mapping.user();
    }
}
