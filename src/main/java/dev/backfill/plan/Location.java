package dev.backfill.plan;

/** Where something was written in a plan file: 1-based line and column, and its field path. */
public record Location(String file, int line, int column, String field) {

    public static final Location NOWHERE = new Location("", 0, 0, "");

    public Location child(String name, int childLine, int childColumn) {
        String path = field.isEmpty() ? name : field + "." + name;
        return new Location(file, childLine, childColumn, path);
    }

    @Override
    public String toString() {
        return file + ":" + line + ":" + column + " (" + field + ")";
    }
}
