package complaints

import (
	"regexp"
)

// Timeline lines written before entries carried a code (migration 028) are English text;
// decodeOld reads the ones the system wrote back into a code and data, so the console
// can still write them in the viewer's language. Anything else keeps its text.
var oldLines = []struct {
	kind, code string
	re         *regexp.Regexp
	keys       []string
}{
	{KindAssignment, CodeClaimed, regexp.MustCompile(`^claimed by (.+)$`), []string{"name"}},
	{KindAssignment, CodeAssigned, regexp.MustCompile(`^assigned to nobody()$`), []string{"name"}},
	{KindAssignment, CodeAssigned, regexp.MustCompile(`^assigned to (.+)$`), []string{"name"}},
	{KindPriority, CodePriority, regexp.MustCompile(`^(\w+) -> (\w+)$`), []string{"from", "to"}},
	{KindStatus, CodeAutoClosed, regexp.MustCompile(`^closed automatically 7 days after resolution$`), nil},
	{KindEscalation, CodeEscalated, regexp.MustCompile(`^(first response|resolution) deadline missed: level (\d+), alerted (.*)$`),
		[]string{"deadline", "level", "names"}},
	{KindResolution, CodeResolution, regexp.MustCompile(`^root cause (\S+), department (.*), code (\S+), compensation (\d+\.\d\d) CNY$`),
		[]string{"root_cause", "department", "code", "yuan"}},
}

// decodeOld gives an entry without a code the code and data of the system line its text is.
func decodeOld(e *Entry) {
	if e.Code != "" {
		return
	}
	for _, l := range oldLines {
		if l.kind != e.Kind {
			continue
		}
		m := l.re.FindStringSubmatch(e.Text)
		if m == nil {
			continue
		}
		e.Code, e.Data = l.code, map[string]any{}
		for i, k := range l.keys {
			e.Data[k] = m[i+1]
		}
		if d, ok := e.Data["deadline"]; ok && d == "first response" {
			e.Data["deadline"] = DeadlineFirstResponse
		}
		return
	}
}
