package reports

// zhDefinition is the Chinese name and text of one Definition.
type zhDefinition struct {
	Name, Text string
}

// definitionsZH holds the Chinese of each Definition, keyed by its English Name, for the
// Chinese workbook's definitions sheet and the Chinese KPI pages.
var definitionsZH = map[string]zhDefinition{
	"Revenue at risk":              {"流失风险收入", "流失风险名单上每个商户：在报表期结束前 90 天内下单运单的收入（定义见下），以及这 90 天的毛利（该收入 − 其已知成本 − 这 90 天内支付的赔付）。名单按流失风险收入从高到低排列，相同时下降最剧烈的在前。"},
	"Revenue":                      {"收入", "本期下单运单的运费加附加费（freight_fen + surcharge_fen，未知部分按 0 计）。两项都未知的运单单独计为“无计费”，不计入收入。"},
	"Cost":                         {"成本", "本期下单且成本已知的运单 cost_fen 之和。“成本未知”为本期下单但没有成本的票数，其成本因此不在成本和毛利中。"},
	"Compensation":                 {"赔付", "解决时间（resolved_at）在本期内的投诉的 compensation_fen 之和，计入该投诉的商户。重开的投诉只在再次解决时按新的解决时间再计。"},
	"Margin":                       {"毛利", "收入 − 成本 − 赔付；赔付或成本超过收入时为负。毛利率 = 毛利 ÷ 收入，无收入时为空。"},
	"Revenue per shipment":         {"票均收入", "收入 ÷ 本期下单票数，无运单时为空。"},
	"Customer value (per shipper)": {"客户价值（按商户）", "本期有下单或签收运单、有投诉或有赔付的商户，以及所有重点客户：收入、成本、赔付、毛利、毛利率、下单票数、票均收入、千票投诉和满意度（4–5分占比，定义同上），其 ABC 分类、RFM 得分与分群、等级建议。不受筛选条件限制。"},
	"ABC class":                    {"ABC 分类", "商户按收入从大到小排列（收入相同按编码）。排在它前面的商户收入合计不足总收入 80% 时为 A 类（跨过 80% 的那家仍是 A 类），不足 95% 时为 B 类，其余为 C 类；没有收入的商户为 C 类。"},
	"RFM scores":                   {"RFM 得分", "只统计本期有下单的商户：R（最近一次）为最后一票的本地日期到本期最后一天的天数，越少越好；F（频率）为下单票数；M（金额）为收入。每项得分 = ⌈5 × cume_dist⌉，cume_dist 为数值不优于它的商户占比：五分位 1–5 分，并列取较高分。本期没有下单的商户不评分。"},
	"RFM segment":                  {"RFM 客户分群", "得分 3 分及以上为高，1–2 分为低。重要价值：R、F、M 均高。重要发展：R 高、F 低、M 高。重要保持：R 低、F 高、M 高。重要挽留：R 低、F 低、M 高。一般价值：R 高、F 高、M 低。一般发展：R 高、F 低、M 低。一般保持：R 低、F 高、M 低。一般挽留：R、F、M 均低。"},
	"Tier advice":                  {"等级建议", "A 类但不是重点客户的，应升为重点客户；重点客户落入 C 类的，应降为普通客户；小客户进入 B 类的，应升为普通客户。其余组合视为相符。经理在控制台执行建议，每次调整连同调整前后的等级记入审计日志。"},
}
