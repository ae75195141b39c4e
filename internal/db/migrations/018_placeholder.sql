-- 018: placeholder so tern's numbers stay contiguous in this branch; the lead drops it on merge.
SELECT 1;
