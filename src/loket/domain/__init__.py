"""Pure domain code: no framework, no database, no clock. Everything takes `today` as an argument."""
