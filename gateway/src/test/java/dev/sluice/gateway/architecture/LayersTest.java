package dev.sluice.gateway.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The rules of the layers that the compiler does not check (see docs/architecture.md). */
class LayersTest {
  private static JavaClasses gateway;

  @BeforeAll
  static void importClasses() {
    gateway =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.sluice.gateway");
  }

  @Test
  void noPackageDependsOnItselfThroughOthers() {
    slices().matching("dev.sluice.gateway.(**)").should().beFreeOfCycles().check(gateway);
  }

  @Test
  void onlyTheEntryPointDependsOnTheEntryPoint() {
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.sluice.gateway")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.sluice.gateway")
        .check(gateway);
  }

  @Test
  void theSharedVocabularyDependsOnNothingElseOfTheGatewayNorOnHttp() {
    noClasses()
        .that()
        .resideInAPackage("dev.sluice.gateway.core..")
        .should()
        .dependOnClassesThat(
            resideInAPackage("dev.sluice.gateway..")
                .and(not(resideInAPackage("dev.sluice.gateway.core.."))))
        .orShould()
        .dependOnClassesThat()
        .resideInAnyPackage("io.vertx.core.http..", "io.vertx.ext.web..")
        .check(gateway);
  }
}
