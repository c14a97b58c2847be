package dev.backfill.plan;

/** A password named by an environment variable, {@code ${APP_PW}}; its value is looked up when connecting. */
public record SecretRef(String variable) {

    @Override
    public String toString() {
        return "${" + variable + "}";
    }
}
