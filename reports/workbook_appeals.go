package reports

import (
	"context"
	"fmt"

	"github.com/xuri/excelize/v2"
)

// appealCategoryZH and appealSourceZH name categories and appeal sources in Chinese
// workbooks (the English workbook writes the codes).
var (
	appealCategoryZH = map[string]string{"delayed": "延误", "damaged": "破损", "lost": "丢失",
		"not_received_but_signed": "未收到但显示签收", "courier_attitude": "快递员服务态度", "wrong_address": "地址错误",
		"billing": "费用问题", "other": "其他"}
	appealSourceZH = map[string]string{"hotline_12305": "12305 热线", "web_12305": "12305 网站", "provincial_bureau": "省邮政管理局"}
)

// appealsSheet writes the Appeals sheet: the per-million figures (total, by province,
// category and department) on top, then, after a blank row, every appeal received in the
// period. Streamed like the other table sheets.
func (b *book) appealsSheet(ctx context.Context, st *Store, p Period, f Filter) error {
	rep, err := st.Appeals(ctx, p, f)
	if err != nil {
		return err
	}
	sheet := b.tr("申诉", "Appeals")
	if _, err := b.f.NewSheet(sheet); err != nil {
		return fmt.Errorf("reports: sheet %s: %w", sheet, err)
	}
	sw, err := b.f.NewStreamWriter(sheet)
	if err != nil {
		return fmt.Errorf("reports: sheet %s: %w", sheet, err)
	}
	for i, w := range []float64{16, 22, 16, 18, 14, 18, 12, 17, 17, 17, 16, 12} {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return fmt.Errorf("reports: sheet %s: %w", sheet, err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return fmt.Errorf("reports: sheet %s: panes: %w", sheet, err)
	}
	n := 0
	write := func(cells ...excelize.Cell) error {
		n++
		ref, _ := excelize.CoordinatesToCellName(1, n)
		vals := make([]any, len(cells))
		for i, c := range cells {
			vals[i] = c
		}
		return sw.SetRow(ref, vals)
	}
	header := func(titles ...string) error {
		cells := make([]excelize.Cell, len(titles))
		for i, t := range titles {
			cells[i] = excelize.Cell{StyleID: b.header, Value: t}
		}
		return write(cells...)
	}
	listAt := 0 // the list's header row
	c := func(style int, v any) excelize.Cell { return excelize.Cell{StyleID: style, Value: b.cell(v)} }
	category := func(k string) string {
		if zh, ok := appealCategoryZH[k]; ok {
			return b.tr(zh, k)
		}
		return k
	}
	blank := func(k string) string {
		if k == "" {
			return b.tr("（未填）", "(not recorded)")
		}
		return k
	}
	err = header(b.tr("范围", "Scope"), b.tr("名称", "Name"), b.tr("申诉量", "Appeals"), b.tr("有效申诉量", "Effective appeals"),
		b.tr("签收量", "Delivered"), b.tr("百万件申诉率", "Appeals per million"), b.tr("百万件有效申诉率", "Effective per million"))
	figures := func(scope, name string, g AppealGroup) error {
		return write(c(b.text, scope), c(b.text, name), c(b.count, g.Appeals), c(b.count, g.Effective), c(b.count, g.Delivered),
			c(b.score, g.PerMillion()), c(b.score, g.EffectivePerMillion()))
	}
	if err == nil {
		err = figures(b.tr("合计", "Total"), "", rep.Total)
	}
	for _, part := range []struct {
		scope  string
		groups []AppealGroup
		name   func(string) string
	}{{b.tr("目的省份", "Province"), rep.ByProvince, blank}, {b.tr("投诉类别", "Category"), rep.ByCategory, category},
		{b.tr("责任部门", "Department"), rep.ByDepartment, blank}} {
		for _, g := range part.groups {
			if err == nil {
				err = figures(part.scope, part.name(g.Key), g)
			}
		}
	}
	if err == nil {
		n++ // a blank row between the figures and the list
		listAt = n + 1
		err = header(b.tr("申诉编号", "Appeal number"), b.tr("来源", "Source"), b.tr("投诉单号", "Complaint"),
			b.tr("运单号", "Tracking number"), b.tr("投诉类别", "Category"), b.tr("责任部门", "Department"),
			b.tr("目的省份", "Province"), b.tr("接收时间", "Received at"), b.tr("回复期限", "Reply due"),
			b.tr("正式回复时间", "Formal reply at"), b.tr("结论", "Verdict"), b.tr("结论日期", "Verdict on"))
	}
	for _, a := range rep.Appeals {
		if err != nil {
			break
		}
		source := a.Source
		if zh, ok := appealSourceZH[a.Source]; ok {
			source = b.tr(zh, a.Source)
		}
		verdict := b.tr("尚无结论", "none yet")
		if a.Effective != nil {
			verdict = b.tr("非有效申诉", "not effective")
			if *a.Effective {
				verdict = b.tr("有效申诉", "effective")
			}
		}
		var replied, verdictOn any
		if a.RepliedAt != nil {
			replied = *a.RepliedAt
		}
		if a.VerdictOn != nil {
			verdictOn = *a.VerdictOn // a calendar day, kept as it is
		}
		err = write(c(b.text, a.No), c(b.text, source), c(b.text, a.Ref), c(b.text, a.TrackingNo), c(b.text, category(a.Category)),
			c(b.text, blank(a.Department)), c(b.text, blank(a.Province)), c(b.stamp, a.ReceivedAt), c(b.stamp, a.ReplyDue),
			c(b.stamp, replied), c(b.text, verdict), excelize.Cell{StyleID: b.date, Value: verdictOn})
	}
	if err == nil { // filter the list of appeals
		err = b.f.AutoFilter(sheet, fmt.Sprintf("A%d:L%d", listAt, n), nil)
	}
	if err == nil {
		err = sw.Flush()
	}
	if err != nil {
		return fmt.Errorf("reports: sheet %s: %w", sheet, err)
	}
	return nil
}
