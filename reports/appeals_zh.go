package reports

import "maps"

// appealDefinitionsZH is the Chinese of the appeal definitions (see definitionsZH), kept
// with the appeal figures and merged in at start.
var appealDefinitionsZH = map[string]zhDefinition{
	"Appeals":                       {"申诉量", "统计期内收到（received_at）的监管申诉（12305 热线、12305 网站或省邮政管理局转办），所涉投诉的运单须符合筛选条件；同一申诉编号只计一次。"},
	"Effective appeals":             {"有效申诉量", "申诉量中被监管部门认定为有效申诉的件数，以出报表时已录入的结论为准；尚无结论的不计入。"},
	"Appeals per million delivered": {"百万件申诉率", "申诉量 ÷ 签收量 × 1,000,000，以及有效申诉量 ÷ 签收量 × 1,000,000，即监管部门排名所用口径。按目的省份统计时分母为该省的签收量；按投诉类别和责任部门（结案时录入，结案前为空）统计时分母为统计期全部签收量，各部分之和等于总数。无签收时为空。"},
}

func init() { maps.Copy(definitionsZH, appealDefinitionsZH) }
