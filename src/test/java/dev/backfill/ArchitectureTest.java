package dev.backfill;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Dependencies point one way: ui → core. The core never sees JavaFX; the mapping stays pure. */
class ArchitectureTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS).importPackages("dev.backfill");
    }

    @Test
    void nothingOutsideTheUiImportsJavaFx() {
        noClasses().that().resideOutsideOfPackage("dev.backfill.ui..")
                .should().dependOnClassesThat().resideInAnyPackage("javafx..", "org.controlsfx..", "atlantafx..")
                .check(classes);
    }

    @Test
    void onlyTheLauncherReachesIntoTheUi() {
        noClasses().that().resideOutsideOfPackage("dev.backfill.ui..").and().doNotHaveFullyQualifiedName("dev.backfill.Launcher")
                .should().dependOnClassesThat().resideInAPackage("dev.backfill.ui..")
                .check(classes);
    }

    @Test
    void theMappingDependsOnlyOnThePlanTheJdkAndJackson() {
        classes().that().resideInAPackage("dev.backfill.mapping..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("dev.backfill.mapping..", "dev.backfill.plan..", "java..",
                        "com.fasterxml.jackson..")
                .check(classes);
    }

    @Test
    void thePlanDoesNotKnowHowItIsRun() {
        noClasses().that().resideInAPackage("dev.backfill.plan..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.backfill.engine..", "dev.backfill.control..",
                        "dev.backfill.source..", "dev.backfill.db..", "dev.backfill.cli..")
                .check(classes);
    }

    @Test
    void viewModelsNeverTouchNodes() {
        noClasses().that().haveSimpleNameEndingWith("ViewModel")
                .should().dependOnClassesThat().resideInAnyPackage("javafx.scene..", "javafx.stage..")
                .check(classes);
    }

    @Test
    void screensStartWorkOnlyThroughTheTaskExecutor() {
        noClasses().that().resideInAPackage("dev.backfill.ui..").and().resideOutsideOfPackage("dev.backfill.ui.task..")
                .should().callConstructor(Thread.class, Runnable.class)
                .orShould().callConstructor(Thread.class, Runnable.class, String.class)
                .check(classes);
    }

    @Test
    void theWorkbenchAndTheCommandLineNeverTalkJdbc() {
        noClasses().that().resideInAnyPackage("dev.backfill.ui..", "dev.backfill.cli..")
                .should().dependOnClassesThat().resideInAPackage("java.sql..")
                .orShould().dependOnClassesThat().resideInAPackage("javax.sql..")
                .check(classes);
    }

    @Test
    void onlyTheControlPackageKnowsTheControlSchemasTables() {
        noClasses().that().resideOutsideOfPackage("dev.backfill.control..")
                .and().doNotHaveFullyQualifiedName("dev.backfill.engine.Workspace")
                .should().dependOnClassesThat().haveFullyQualifiedName("dev.backfill.control.ControlSchema")
                .because("every read and write of the control schema goes through control/Control (engine/Workspace only creates it)")
                .check(classes);
    }

    @Test
    void packagesDoNotImportEachOtherInCircles() {
        slices().matching("dev.backfill.(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void theLifecycleRulesAreHeldNowhereButInTheLifecycleAndDependOnNothing() {
        classes().that().resideInAPackage("dev.backfill.lifecycle..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("dev.backfill.lifecycle..", "dev.backfill.errors..", "java..")
                .check(classes);
    }
}
