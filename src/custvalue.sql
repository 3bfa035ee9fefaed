-- custvalue: objects shared by every capability.
--
-- Everything lives in schema custvalue (fixed in the control file).  Objects
-- are created schema-qualified so the script does not depend on search_path.

COMMENT ON SCHEMA custvalue IS 'customer-value analytics: health scores, RFM+N segmentation, model evaluation';
