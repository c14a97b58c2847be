package dev.backfill.plan;

/** One thing wrong with a plan, pointing at file, line and field. */
public record PlanError(Location at, String message) implements Comparable<PlanError> {

    /** The line a DBA reads: {@code plan.yaml:12:7: entities[0].columns.charge.as: unknown coercion 'uuidd' ...}. */
    public String describe() {
        StringBuilder text = new StringBuilder(at.file());
        if (at.line() > 0) {
            text.append(':').append(at.line()).append(':').append(at.column());
        }
        text.append(": ");
        if (!at.field().isEmpty()) {
            text.append(at.field()).append(": ");
        }
        return text.append(message).toString();
    }

    @Override
    public int compareTo(PlanError other) {
        int byLine = Integer.compare(at.line(), other.at.line());
        return byLine != 0 ? byLine : Integer.compare(at.column(), other.at.column());
    }
}
