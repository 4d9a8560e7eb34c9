import { requireProgram } from "@latchkey/testkit";
import { importDjangoBatchSuite, importDjangoSuite, postgresSetup, requireDjango } from "./import-django-suite.js";

importDjangoSuite({
  name: "PostgreSQL",
  skip: requireDjango() || requireProgram("initdb", "postgres", "pg_isready"),
  setup: postgresSetup,
});
importDjangoBatchSuite({
  name: "PostgreSQL",
  skip: requireDjango() || requireProgram("initdb", "postgres", "pg_isready"),
  setup: postgresSetup,
});
