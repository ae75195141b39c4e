package reports

// zhDefinition is the Chinese name and text of one Definition.
type zhDefinition struct {
	Name, Text string
}

// definitionsZH holds the Chinese of each Definition, keyed by its English Name, for the
// Chinese workbook's definitions sheet and the Chinese KPI pages. Every Definition has
// one (TestDefinitionsHaveChinese).
var definitionsZH = map[string]zhDefinition{
	"Period":                           {"统计周期", "左闭右开的时间区间 [起, 止)。每日数据按报表时区(默认 Asia/Shanghai)的自然日划分:当地时间 23:59 的事件计入当天,00:01 的计入次日。筛选条件(寄件商家、寄件商家等级、服务类型、目的省份)作用于每项指标所涉及的运单;等级取寄件商家当前的等级。"},
	"Previous period":                  {"上期", "自然月与上一个自然月对比;其他周期与紧接其前、长度相同(按当地自然日计)的周期对比。包含今天的周期只统计到今天为止(截至今天结束),并与上期从起始日起相同天数对比:本月至今对比上月同期天数。变化 = 本期数值 − 上期数值(比率的变化以百分点计)。"},
	"Created":                          {"下单量", "created_at(下单时间)落在本期内的运单数。"},
	"Delivered":                        {"签收量", "delivered_at(最终签收事件的时间)落在本期内的运单数。退回和未妥投的运单不算签收。"},
	"On-time rate":                     {"准时率", "delivered_at ≤ promised_at(承诺时间)的已签收运单数除以签收量。按签收时间归属周期。本期无签收时为空。"},
	"Sign-off lag median / p90":        {"签收时长中位数 / P90", "本期签收且曾派送的运单:delivered_at − out_for_delivery_at(第一次派送事件的时间),取中位数和第 90 百分位(连续百分位,即 PostgreSQL 的 percentile_cont)。"},
	"Slow sign-offs":                   {"慢签收件数", "本期签收、且被慢签收检测标记过的不同运单数(slow_signoffs 中至少有一行,原因不限:派送中超时、到站未派送超时或已过承诺时间)。"},
	"Slow sign-off rate":               {"慢签收率", "慢签收件数除以签收量。"},
	"Surveys":                          {"问卷数", "本期签收的运单收到的问卷答复(问卷随其运单的签收时间归属周期,因此较晚的答复仍计入包裹签收的那一期)。"},
	"Survey response rate":             {"问卷回复率", "问卷数除以签收量。"},
	"CSAT (4–5 share)":                 {"满意度(4–5分占比)", "满意度(1–5 分)答 4 或 5 分的问卷所占比例。"},
	"CSAT mean":                        {"满意度均分", "问卷满意度答案(1–5 分)的平均值。"},
	"NPS":                              {"净推荐值 NPS", "在 0–10 分量表上答 9–10 分的问卷百分比减去答 0–6 分的百分比,取值 −100 到 100。"},
	"CSAT on time / late":              {"准时件 / 延误件满意度", "准时签收运单的问卷与延误签收运单的问卷各自的满意度(4–5分占比),并列显示。"},
	"Complaints":                       {"投诉数", "本期提交(created_at)、所涉运单符合筛选条件的投诉数。"},
	"Complaints per 1,000 delivered":   {"每千件签收投诉数", "投诉数 ÷ 签收量 × 1,000,按总数和各类别(延误、破损、丢失、未收到但显示已签收、快递员服务态度、地址错误、费用问题、未经同意放快递柜/驿站、其他)计算。两个数都取自同一周期,因此现在提交、关于早前签收包裹的投诉仍然计入。"},
	"Repeat-complaint rate":            {"重复投诉率", "投诉中,其收件人在此前 30 天内(就任意运单)提交过另一条投诉的比例。"},
	"First-response time median / p90": {"首次响应时长中位数 / P90", "本期投诉中已有首次响应者的 first_responded_at − created_at,取中位数和第 90 百分位(percentile_cont),按自然时间计。"},
	"Resolution time median / p90":     {"解决时长中位数 / P90", "本期投诉中已解决者的 resolved_at − created_at(重开过的投诉取到最终解决的时间),取中位数和第 90 百分位,按自然时间计,包括等待客户回复的时间。"},
	"First-response SLA compliance":    {"首次响应达标率", "在 first_response_due(首次响应时限)之前或当时已响应的投诉数,除以已响应或首次响应时限已过的投诉数:时限早于本期结束且早于现在,才算已过。时限还未到(例如明天到期、而本期包含今天)的未响应投诉暂不计入。"},
	"Resolution SLA compliance":        {"解决达标率", "在 resolution_due(解决时限;重开后取新一轮的时限)之前或当时已解决的投诉数,除以已解决或解决时限已过的投诉数(与首次响应相同:时限早于本期结束且早于现在)。"},
	"Escalations":                      {"升级次数", "本期内、对所涉运单符合筛选条件的投诉执行的升级步骤数(上级链上的每一级、每种时限各计一次)。"},
	"Per agent":                        {"按客服", "对每位当前被分配了本期投诉的员工:处理的投诉数、首次响应和解决时长中位数、达标率(规则相同:时限未到的不计入)、重开率(其投诉中至少重开过一次的比例)和解决后满意度(客户对投诉的 1–5 分评价中 4 或 5 分的比例)。"},
	"Defects (root causes)":            {"缺陷(投诉根因)", "本期提交且记录了根因的投诉,按根因和责任部门计数,从多到少排列,并给出每一项占所有此类投诉的比例和累计比例(帕累托图)。"},
	"Per shipper":                      {"按寄件商家", "对本期或上期有下单或签收运单的每个寄件商家:下单量、签收量、准时率、满意度(4–5分占比)、问卷数、投诉数和每千件签收投诉数(定义同上)、其等级,以及签收量和准时率较上期的变化。两期都没有此类运单的寄件商家没有这一行,即使本期有关于其更早包裹的投诉(投诉数总数仍计入)。"},
	"Per province":                     {"按目的省份", "同样的指标,按运单的目的省份分组。"},
	"Churn risk":                       {"流失风险", "在本期结束前 30 天内下单的运单数,少于(此前 90 天的下单量 ÷ 90 × 30)一半的寄件商家。那 90 天内没有运单的寄件商家不列出。"},
	"Daily rows":                       {"每日数据", "本期每个当地自然日一行:下单量为当天下单的运单数;签收量、准时率、签收时长中位数 / P90、问卷数、满意度(4–5分占比)和问卷回复率取当天签收的运单。"},
	"Survey comments":                  {"问卷评论", "本期签收运单的每一份问卷,包括其答案和评论。"},
	"Revenue at risk":                  {"流失风险收入", "流失风险名单上每个寄件商家：在报表期结束前 90 天内下单运单的收入（定义见下），以及这 90 天的毛利（该收入 − 其已知成本 − 这 90 天内支付的赔付）。名单按流失风险收入从高到低排列，相同时下降最剧烈的在前。"},
	"Revenue":                          {"收入", "本期下单运单的运费加附加费（freight_fen + surcharge_fen，未知部分按 0 计）。两项都未知的运单单独计为“无计费”，不计入收入。"},
	"Cost":                             {"成本", "本期下单且成本已知的运单 cost_fen 之和。“成本未知”为本期下单但没有成本的票数，其成本因此不在成本和毛利中。"},
	"Compensation":                     {"赔付", "解决时间（resolved_at）在本期内的投诉的 compensation_fen 之和，计入该投诉的寄件商家。重开的投诉只在再次解决时按新的解决时间再计。"},
	"Margin":                           {"毛利", "收入 − 成本 − 赔付；赔付或成本超过收入时为负。毛利率 = 毛利 ÷ 收入，无收入时为空。"},
	"Revenue per shipment":             {"票均收入", "收入 ÷ 本期下单票数，无运单时为空。"},
	"Customer value (per shipper)":     {"客户价值（按寄件商家）", "本期有下单或签收运单、有投诉或有赔付的寄件商家，以及所有重点客户：收入、成本、赔付、毛利、毛利率、下单票数、票均收入、千票投诉和满意度（4–5分占比，定义同上），其 ABC 分类、RFM 得分与分群、等级建议。不受筛选条件限制。"},
	"ABC class":                        {"ABC 分类", "寄件商家按收入从大到小排列（收入相同按编码）。排在它前面的寄件商家收入合计不足总收入 80% 时为 A 类（跨过 80% 的那家仍是 A 类），不足 95% 时为 B 类，其余为 C 类；没有收入的寄件商家为 C 类。"},
	"RFM scores":                       {"RFM 得分", "只统计本期有下单的寄件商家：R（最近一次）为最后一票的本地日期到本期最后一天的天数，越少越好；F（频率）为下单票数；M（金额）为收入。每项得分 = ⌈5 × cume_dist⌉，cume_dist 为数值不优于它的寄件商家占比：五分位 1–5 分，并列取较高分。本期没有下单的寄件商家不评分。"},
	"RFM segment":                      {"RFM 客户分群", "得分 3 分及以上为高，1–2 分为低。重要价值：R、F、M 均高。重要发展：R 高、F 低、M 高。重要保持：R 低、F 高、M 高。重要挽留：R 低、F 低、M 高。一般价值：R 高、F 高、M 低。一般发展：R 高、F 低、M 低。一般保持：R 低、F 高、M 低。一般挽留：R、F、M 均低。"},
	"Tier advice":                      {"等级建议", "A 类但不是重点客户的，应升为重点客户；重点客户落入 C 类的，应降为普通客户；小客户进入 B 类的，应升为普通客户。其余组合视为相符。经理在控制台执行建议，每次调整连同调整前后的等级记入审计日志。"},
}

// DefinitionIn is d in lang: its Chinese (definitionsZH) unless lang is "en".
func DefinitionIn(lang string, d Definition) Definition {
	if lang == "en" {
		return d
	}
	zh, ok := definitionsZH[d.Name]
	if !ok {
		return d
	}
	unit := d.Unit
	if u, ok := unitZH[unit]; ok {
		unit = u
	}
	return Definition{Name: zh.Name, Unit: unit, Text: zh.Text}
}
