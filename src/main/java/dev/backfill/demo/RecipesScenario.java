package dev.backfill.demo;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/**
 * The benchmark for references across users: members, 2 recipes and 3 favorites each. In
 * {@code recipes} every favorite is another member's recipe (half of all rows reference another
 * user's row and wait for it); {@code recipes-own} has the same rows with each favorite the member's
 * own recipe. Only for {@code backfill bench}: nothing is planted.
 */
public final class RecipesScenario extends PostgresDemoScenario {
    private final boolean acrossUsers;

    private RecipesScenario(String name, boolean acrossUsers) {
        super(name, "recipes", "recipes_legacy", "recipes_app");
        this.acrossUsers = acrossUsers;
    }

    /** Favorites of other members' recipes: half of all rows reference another user's row. */
    public static RecipesScenario acrossUsers() {
        return new RecipesScenario("recipes", true);
    }

    /** The same rows, every favorite the member's own recipe. */
    public static RecipesScenario ownRowsOnly() {
        return new RecipesScenario("recipes-own", false);
    }

    @Override
    public String title() {
        return acrossUsers ? "Recipes: favorites of other members' recipes (benchmark)" : "Recipes: favorites of own recipes (benchmark)";
    }

    @Override
    public String description() {
        return "Members with 2 recipes and 3 favorites each; " + (acrossUsers ? "every favorite is another member's recipe, so half of"
                + " all rows reference another user's row" : "every favorite is the member's own recipe");
    }

    @Override
    protected void plant(Connection legacy, Connection target, int users) throws SQLException {
        if (!acrossUsers) {
            try (PreparedStatement statement = legacy.prepareStatement("select own_favorites(?)")) {
                statement.setInt(1, users);
                statement.execute();
            }
        }
    }

    @Override
    public List<PlantedFinding> planted(int users) {
        return List.of();
    }

    @Override
    public List<ReferenceCopy> referenceCopies() {
        return List.of(
                new ReferenceCopy("members_v2", "id, name, created_at", "select id, name, created_at from members"),
                new ReferenceCopy("recipes_v2", "id, author_id, title, created_at", "select id, author_id, title, created_at from recipes"),
                new ReferenceCopy("favorites_v2", "id, member_id, recipe_id, created_at",
                        "select id, member_id, recipe_id, created_at from favorites"));
    }
}
