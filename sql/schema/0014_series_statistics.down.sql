DROP STATISTICS series_kind_subtype;
