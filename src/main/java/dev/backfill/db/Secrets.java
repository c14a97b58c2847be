package dev.backfill.db;

import dev.backfill.plan.SecretRef;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Looks up the passwords a plan references: first values typed into the workbench for this session
 * (kept in memory only), then environment variables. Values are never logged or written anywhere.
 */
public final class Secrets {
    private final Map<String, char[]> supplied = new ConcurrentHashMap<>();
    private final Map<String, String> environment;

    public Secrets() {
        this(System.getenv());
    }

    public Secrets(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    public void supply(String variable, char[] value) {
        supplied.put(variable, value.clone());
    }

    public Optional<String> lookup(SecretRef ref) {
        char[] typed = supplied.get(ref.variable());
        if (typed != null) {
            return Optional.of(new String(typed));
        }
        return Optional.ofNullable(environment.get(ref.variable()));
    }

    public boolean has(SecretRef ref) {
        return supplied.containsKey(ref.variable()) || environment.containsKey(ref.variable());
    }
}
