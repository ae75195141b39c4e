package reports

// The receivables figures (package billing, the Receivables sheet) join Definitions and
// definitionsZH here, after the KPI ones, so each area keeps its definitions in its own file.
func init() {
	Definitions = append(Definitions, billingDefinitions...)
	for k, v := range billingDefinitionsZH {
		definitionsZH[k] = v
	}
}

var billingDefinitions = []Definition{
	{"Statement", "", "One per shipper and local month of the service zone (LCRM_TIMEZONE), closed by the statement-close job after the month ends: freight + surcharges of the shipments created in the month (a shipment without a freight charge counts as 0 and is counted as unknown), plus adjustments (a charge corrected, or a shipment added, after its month was closed: the difference from what earlier statements billed), minus the compensation of complaints resolved in the month (and any later change to compensation already credited), minus a credit brought forward from the previous statement. Due date = the first day after the month + the shipper's payment terms (default 30 days). A closed statement never changes."},
	{"Statement status", "", "As of an instant: credit when the total due is 0 or negative (nothing to pay; a negative total is brought forward into the next statement); paid when the payments applied to it and paid by then cover the total due; overdue when past the due date and not fully paid; part-paid when some is paid; open otherwise."},
	{"Balance", "CNY", "Outstanding on the statements closed by the instant: for each statement with a positive total due, total due − the payments applied to it paid at or before the instant; per shipper and in total. Shipments not yet on a statement (the current month) are not included."},
	{"Ageing buckets", "CNY", "The Balance split by the days overdue of its statement: current (not yet due), 1–30, 31–60, 61–90 and over 90 days. Days overdue = instant − due date in days, a day started counting as a whole one (one hour past due is 1 day overdue)."},
	{"Overdue", "CNY", "The Balance in the 1–30, 31–60, 61–90 and over-90 buckets. A shipper's days overdue are those of its oldest statement still unpaid past its due date."},
	{"DSO", "days", "Days sales outstanding: Balance ÷ revenue of the 90 days before the instant × 90, revenue being freight + surcharges of the shipments created in those 90 days. Empty when there was no revenue."},
	{"Over credit limit", "", "A shipper whose Balance is greater than its credit limit (no limit set: never over)."},
}

var billingDefinitionsZH = map[string]zhDefinition{
	"Statement":         {"对账单", "每个寄件商家每个自然月一张（按服务时区 LCRM_TIMEZONE），月份结束后由 statement-close 任务生成：当月下单运单的运费 + 附加费（没有运费的运单按 0 计并计入“运费未知”），加调整（账期关闭后更正的费用或补录的运单：与此前对账单已计金额之差），减当月结案投诉的赔偿（以及已抵扣赔偿的后续变更），减上期结转的贷方余额。到期日 = 账期结束后的第一天 + 寄件商家付款期限（默认 30 天）。已生成的对账单不再改变。"},
	"Statement status":  {"对账单状态", "在某一时刻：应付合计为 0 或负数时为“贷方余额”（无需付款，负数结转下期）；截至该时刻已付款项覆盖应付合计为“已付清”；过了到期日仍未付清为“逾期”；部分付款为“部分已付”；其余为“未付”。"},
	"Balance":           {"应收余额", "截至该时刻已生成的对账单中未付的金额：每张应付合计为正的对账单，应付合计 − 截至该时刻已付并分配到该单的款项；按寄件商家及合计。尚未出对账单的运单（当月）不计入。"},
	"Ageing buckets":    {"账龄区间", "应收余额按所属对账单的逾期天数划分：未到期、逾期 1–30 天、31–60 天、61–90 天、90 天以上。逾期天数 = 该时刻 − 到期日（天），不足一天按一天计（到期后 1 小时即逾期 1 天）。"},
	"Overdue":           {"已逾期", "应收余额中处于 1–30、31–60、61–90 和 90 天以上区间的部分。寄件商家的逾期天数取其最早一张到期未付对账单的逾期天数。"},
	"DSO":               {"应收账款周转天数（DSO）", "应收余额 ÷ 该时刻前 90 天的收入 × 90，收入为这 90 天内下单运单的运费 + 附加费。没有收入时为空。"},
	"Over credit limit": {"超信用额度", "应收余额大于信用额度的寄件商家（未设额度的寄件商家不会超额）。"},
}
