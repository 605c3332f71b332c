SELECT to_regclass('measures') IS NOT NULL
