package dev.backfill.plan;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Credentials in a JDBC URL: refused in a plan, and never shown, however they are spelled. */
class JdbcUrlsTest {

    @Test
    void userInfoBeforeTheHostIsACredentialAndIsHidden() {
        String url = "jdbc:postgresql://u:pw@host/db";

        assertThat(JdbcUrls.credentials(url)).hasValueSatisfying(where -> assertThat(where).contains("before '@'"));
        assertThat(JdbcUrls.redact(url)).isEqualTo("jdbc:postgresql://***@host/db");
    }

    @Test
    void aPasswordWithASlashStillCountsAsUserInfo() {
        String url = "jdbc:postgresql://u:p/w@host:5432/db?user=u";

        assertThat(JdbcUrls.credentials(url)).isPresent();
        assertThat(JdbcUrls.redact(url)).isEqualTo("jdbc:postgresql://***@host:5432/db?user=u");
    }

    @Test
    void aPasswordParameterIsFoundWhateverItsCaseOrUrlEncoding() {
        for (String name : new String[] {"password", "PASSWORD", "Password", "pass%77ord", "pass%2577ord", "%70assword",
                "sslpassword", "sslPassword"}) {
            String url = "jdbc:postgresql://host/db?user=u&" + name + "=hunter2&ssl=true";

            assertThat(JdbcUrls.credentials(url)).as(name).hasValue("a password in the parameter '" + name + "'");
            assertThat(JdbcUrls.redact(url)).as(name).isEqualTo("jdbc:postgresql://host/db?user=u&" + name + "=***&ssl=true");
        }
    }

    @Test
    void theClientKeyFileIsHiddenButAllowed() {
        String url = "jdbc:postgresql://host/db?sslmode=verify-full&sslkey=/home/ops/.postgresql/app.pk8";

        assertThat(JdbcUrls.credentials(url)).isEmpty();
        assertThat(JdbcUrls.redact(url)).isEqualTo("jdbc:postgresql://host/db?sslmode=verify-full&sslkey=***");
    }

    @Test
    void aSemicolonDoesNotSmuggleAPasswordPastTheCheck() {
        String url = "jdbc:postgresql://host/db?user=u;password=hunter2";

        assertThat(JdbcUrls.credentials(url)).isPresent();
        assertThat(JdbcUrls.redact(url)).doesNotContain("hunter2");
    }

    @Test
    void aUrlWithoutCredentialsIsShownAsItIs() {
        for (String url : new String[] {"jdbc:postgresql://db1:5432,db2:5433/shop?user=reader&ApplicationName=a@b",
                "jdbc:postgresql:shop", "jdbc:postgresql://[::1]:5432/shop?sslpasswordcallback=com.example.Callback"}) {
            assertThat(JdbcUrls.credentials(url)).as(url).isEmpty();
            assertThat(JdbcUrls.redact(url)).isEqualTo(url);
        }
    }

    @Test
    void theConnectionDescriptionShowsTheUrlWithoutItsPassword() {
        ConnectionSpec spec = new ConnectionSpec.Postgres("jdbc:postgresql://host/db?pass%77ord=hunter2", "app", null);

        assertThat(spec.describe()).isEqualTo("jdbc:postgresql://host/db?pass%77ord=*** as app");
    }
}
