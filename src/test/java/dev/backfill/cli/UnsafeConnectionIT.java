package dev.backfill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.testing.InProcessCli;
import dev.backfill.testing.TestPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connection settings that would leak a password or let the embedded server initialise a database in
 * a folder it does not own are refused (exit 2) before anything connects or starts.
 */
class UnsafeConnectionIT {
    private static String database;
    private static String reachable;
    @TempDir
    Path folder;

    @BeforeAll
    static void database() {
        database = UnsafeConnectionIT.class.getSimpleName().toLowerCase(java.util.Locale.ROOT) + "_target";
        TestPostgres.freshDatabase(UnsafeConnectionIT.class, "target");
        reachable = TestPostgres.jdbcUrl(database);
    }

    private static int port() {
        return Integer.parseInt(reachable.replaceAll(".*localhost:(\\d+)/.*", "$1"));
    }

    private static Path plan(Path folder, String source, String target) throws IOException {
        Files.createDirectories(folder);
        return Files.writeString(folder.resolve("unsafe.plan.yaml"), """
                version: 1
                plan: unsafe
                source: %s
                target: %s
                partition: user_id
                entities:
                  - name: parts
                    from: { table: parts }
                    into: parts_v2
                    key: [name]
                    columns:
                      name: name
                """.formatted(source, target));
    }

    private static boolean controlSchemaCreated() throws Exception {
        try (Connection connection = TestPostgres.connect(database);
             ResultSet rows = connection.createStatement().executeQuery("select 1 from pg_namespace where nspname = 'backfill'")) {
            return rows.next();
        }
    }

    @Test
    void credentialsBeforeTheHostAreRefusedAndNotRepeated() throws Exception {
        Path plan = plan(folder, "{ jdbc: \"" + reachable + "\" }",
                "{ jdbc: \"jdbc:postgresql://u:pw@localhost:" + port() + "/" + database + "\" }");

        InProcessCli.Result result = InProcessCli.run("dry-run", plan.toString());

        assertThat(result.exit()).as(result.err()).isEqualTo(ExitCodes.BAD_PLAN);
        assertThat(result.err()).contains("target.jdbc: the URL carries credentials before '@'", "use 'password: ${ENV}'");
        assertThat(result.printed()).doesNotContain("u:pw");
        assertThat(controlSchemaCreated()).isFalse();
    }

    @Test
    void anUrlEncodedPasswordParameterIsRefusedBeforeConnectingAndNeverShown() throws Exception {
        // the server trusts local connections, so without the refusal this dry run would connect and create its schema
        Path plan = plan(folder, "{ jdbc: \"" + reachable + "\" }",
                "{ jdbc: \"" + reachable + "&pass%77ord=hunter2\" }");

        InProcessCli.Result result = InProcessCli.run("dry-run", plan.toString());

        assertThat(result.exit()).as(result.err()).isEqualTo(ExitCodes.BAD_PLAN);
        assertThat(result.err()).contains("the URL carries a password in the parameter 'pass%77ord'", "use 'password: ${ENV}'");
        assertThat(result.printed()).doesNotContain("hunter2");
        assertThat(controlSchemaCreated()).isFalse();
    }

    @Test
    void anEmbeddedFolderThatIsNotAPostgresDataFolderIsRefusedBeforeInitdb() throws Exception {
        Path planFolder = folder.resolve("a").resolve("b");
        // the exact input of the report: from a plan four folders deep, ../../../../etc is /etc
        assertThat(planFolder.resolve("../../../../etc").normalize()).as("test setup").isEqualTo(Path.of("/etc"));
        Path plan = plan(planFolder, "{ embedded: \"../../../../etc\" }", "{ jdbc: \"" + reachable + "\" }");

        InProcessCli.Result result = InProcessCli.run("dry-run", plan.toString());

        assertThat(result.exit()).as(result.err()).isEqualTo(ExitCodes.BAD_PLAN);
        assertThat(result.err()).contains("source.embedded: '../../../../etc': /etc is neither a PostgreSQL data folder"
                + " (it has no PG_VERSION) nor empty", "Name a new or empty folder");
        assertThat(Path.of("/etc/PG_VERSION")).doesNotExist();
        assertThat(controlSchemaCreated()).isFalse();
    }

    @Test
    void theDemoWillNotStartItsServerInAFolderHoldingOtherFiles() throws Exception {
        Path dataDir = Files.createDirectories(folder.resolve("demo").resolve("pg"));
        Files.writeString(dataDir.resolve("notes.txt"), "not a database\n");

        InProcessCli.Result result = InProcessCli.run("demo", "--dir", folder.resolve("demo").toString(), "--users", "1");

        assertThat(result.exit()).as(result.err()).isEqualTo(ExitCodes.BAD_PLAN);
        assertThat(result.err()).contains("The embedded PostgreSQL will not start in " + dataDir + ": " + dataDir
                + " is neither a PostgreSQL data folder");
        try (var left = Files.list(dataDir)) {
            assertThat(left).containsExactly(dataDir.resolve("notes.txt"));
        }
    }
}
