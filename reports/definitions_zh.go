package reports

// zhDefinition is the Chinese name and text of one Definition.
type zhDefinition struct {
	Name, Text string
}

// definitionsZH holds the Chinese of each Definition, keyed by its English Name, for the
// Chinese workbook's definitions sheet and the Chinese KPI pages.
var definitionsZH = map[string]zhDefinition{}
