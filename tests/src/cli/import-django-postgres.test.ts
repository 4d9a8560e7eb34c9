import { requireProgram } from "@latchkey/testkit";
import { importDjangoSuite, postgresSetup, requireDjango } from "./import-django-suite.js";

importDjangoSuite({ name: "PostgreSQL", skip: requireDjango() || requireProgram("initdb", "postgres", "pg_isready"), setup: postgresSetup });
