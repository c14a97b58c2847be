package dev.backfill.plan;

import dev.backfill.errors.InvalidInputException;
import java.util.List;
import java.util.stream.Collectors;

/** A plan that cannot be used; carries every error found, each with its line and field, in line order. */
public final class InvalidPlanException extends InvalidInputException {
    private static final long serialVersionUID = 1L;
    private final transient List<PlanError> errors;

    public InvalidPlanException(List<PlanError> errors) {
        super(errors.size() + " error(s) in plan:\n" + errors.stream()
                .sorted().map(PlanError::describe).collect(Collectors.joining("\n")));
        this.errors = errors.stream().sorted().toList();
    }

    public List<PlanError> errors() {
        return errors;
    }
}
