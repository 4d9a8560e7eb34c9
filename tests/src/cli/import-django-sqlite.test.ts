import { importDjangoBatchSuite, importDjangoSuite, requireDjango, sqliteSetup } from "./import-django-suite.js";

importDjangoSuite({ name: "SQLite", skip: requireDjango(), setup: (dir) => sqliteSetup(dir, null) });
importDjangoBatchSuite({ name: "SQLite", skip: requireDjango(), setup: (dir) => sqliteSetup(dir, null) });
