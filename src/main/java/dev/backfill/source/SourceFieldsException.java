package dev.backfill.source;

import dev.backfill.errors.InvalidInputException;
import dev.backfill.plan.PlanError;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The plan reads fields the legacy source does not have. It is the plan that needs fixing (a misspelt
 * column, a path inside a plain column), so it is an invalid argument: the command line exits with 2.
 */
public final class SourceFieldsException extends InvalidInputException {
    private static final long serialVersionUID = 1L;
    private final transient List<PlanError> errors;

    public SourceFieldsException(List<PlanError> errors, String source) {
        super(errors.size() + " field(s) of the plan are not in the source (" + source + "); nothing was run:\n"
                + errors.stream().sorted().map(PlanError::describe).collect(Collectors.joining("\n"))
                + "\nFix the plan (or point it at the right source) and run again.");
        this.errors = errors.stream().sorted().toList();
    }

    public List<PlanError> errors() {
        return errors;
    }
}
