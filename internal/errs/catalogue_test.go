package errs_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"lcrm/accounts"
	"lcrm/billing"
	"lcrm/care"
	"lcrm/complaints"
	"lcrm/customers"
	"lcrm/disruptions"
	"lcrm/hooks"
	"lcrm/internal/errs"
	"lcrm/jobs"
	"lcrm/notify"
	"lcrm/reports"
	"lcrm/requests"
	"lcrm/shipments"
)

// sentinels is every exported sentinel error of the domain packages.
var sentinels = map[string]error{
	"accounts.ErrBadCode": accounts.ErrBadCode, "accounts.ErrTOTPEnabled": accounts.ErrTOTPEnabled,
	"accounts.ErrTOTPNotActive": accounts.ErrTOTPNotActive, "accounts.ErrNoSession": accounts.ErrNoSession,
	"accounts.ErrBadLogin": accounts.ErrBadLogin, "accounts.ErrLocked": accounts.ErrLocked,
	"accounts.ErrSelfManager": accounts.ErrSelfManager, "accounts.ErrManagerCycle": accounts.ErrManagerCycle,
	"accounts.ErrBadManager": accounts.ErrBadManager, "accounts.ErrEmailTaken": accounts.ErrEmailTaken,
	"accounts.ErrShortPassword": accounts.ErrShortPassword, "accounts.ErrSelfLockout": accounts.ErrSelfLockout,
	"accounts.ErrNotStaffRole": accounts.ErrNotStaffRole, "accounts.ErrBadEmail": accounts.ErrBadEmail,
	"accounts.ErrBadKey": accounts.ErrBadKey, "accounts.ErrNotFound": accounts.ErrNotFound,
	"accounts.ErrBadResetCode": accounts.ErrBadResetCode, "accounts.ErrResetLimited": accounts.ErrResetLimited,
	"care.ErrTaskNotFound":            care.ErrTaskNotFound,
	"complaints.ErrTooManyFilings":    complaints.ErrTooManyFilings,
	"complaints.ErrNotYours":          complaints.ErrNotYours,
	"complaints.ErrNotFound":          complaints.ErrNotFound,
	"complaints.ErrAlreadyClaimed":    complaints.ErrAlreadyClaimed,
	"complaints.ErrIllegalTransition": complaints.ErrIllegalTransition,
	"complaints.ErrReopenExpired":     complaints.ErrReopenExpired,
	"complaints.ErrNotResolved":       complaints.ErrNotResolved,
	"complaints.ErrNeedsResolution":   complaints.ErrNeedsResolution,
	"complaints.ErrNoAppeal":          complaints.ErrNoAppeal,
	"complaints.ErrAppealNoTaken":     complaints.ErrAppealNoTaken,
	"complaints.ErrAppealExists":      complaints.ErrAppealExists,
	"complaints.ErrAppealRole":        complaints.ErrAppealRole,
	"complaints.ErrAppealDue":         complaints.ErrAppealDue,
	"complaints.ErrAppealFileType":    complaints.ErrAppealFileType,
	"complaints.ErrAppealFileCount":   complaints.ErrAppealFileCount,
	"customers.ErrInvalidPhone":       customers.ErrInvalidPhone,
	"customers.ErrNotFound":           customers.ErrNotFound,
	"customers.ErrBadMerge":           customers.ErrBadMerge,
	"customers.ErrSurveyTokenInvalid": customers.ErrSurveyTokenInvalid,
	"customers.ErrSurveyTokenExpired": customers.ErrSurveyTokenExpired,
	"customers.ErrSurveyClosed":       customers.ErrSurveyClosed,
	"hooks.ErrNotFound":               hooks.ErrNotFound,
	"hooks.ErrNotFinished":            hooks.ErrNotFinished,
	"jobs.ErrUnknownJob":              jobs.ErrUnknownJob,
	"jobs.ErrBusy":                    jobs.ErrBusy,
	"notify.ErrUnknownKind":           notify.ErrUnknownKind,
	"notify.ErrBadMessage":            notify.ErrBadMessage,
	"reports.ErrNoFile":               reports.ErrNoFile,
	"requests.ErrNotFound":            requests.ErrNotFound,
	"requests.ErrAlreadyOpen":         requests.ErrAlreadyOpen,
	"requests.ErrOutForDelivery":      requests.ErrOutForDelivery,
	"requests.ErrFinished":            requests.ErrFinished,
	"requests.ErrNotLate":             requests.ErrNotLate,
	"requests.ErrBadWindow":           requests.ErrBadWindow,
	"requests.ErrBadPickup":           requests.ErrBadPickup,
	"requests.ErrBadKind":             requests.ErrBadKind,
	"requests.ErrBadKey":              requests.ErrBadKey,
	"requests.ErrTransition":          requests.ErrTransition,
	"requests.ErrNeedReason":          requests.ErrNeedReason,
	"requests.ErrBadConsent":          requests.ErrBadConsent,
	"requests.ErrPickupExists":        requests.ErrPickupExists,
	"shipments.ErrNotFound":           shipments.ErrNotFound,
	"shipments.ErrTooManySubscribers": shipments.ErrTooManySubscribers,
	"shipments.ErrBadTrackingNo":      shipments.ErrBadTrackingNo,
	"shipments.ErrBadCheckDigit":      shipments.ErrBadCheckDigit,
	"billing.ErrNotFound":             billing.ErrNotFound,
	"billing.ErrReferenceReused":      billing.ErrReferenceReused,
	"disruptions.ErrNotFound":         disruptions.ErrNotFound,
	"disruptions.ErrNotBegun":         disruptions.ErrNotBegun,
}

// catalogue reads every portal catalogue file of one language into one map.
func catalogue(t *testing.T, lang string) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "portal", "web", "i18n", "*."+lang+".json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no %s catalogue files: %v", lang, err)
	}
	all := map[string]string{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]string
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for k, v := range m {
			all[k] = v
		}
	}
	return all
}

// Every domain sentinel has a kind other than Internal and a catalogue key present in
// both languages.
func TestSentinelsHaveKindAndKey(t *testing.T) {
	zh, en := catalogue(t, "zh"), catalogue(t, "en")
	for name, err := range sentinels {
		var e *errs.Error
		if !errors.As(err, &e) {
			t.Errorf("%s is not an *errs.Error", name)
			continue
		}
		if errs.KindOf(err) == errs.Internal {
			t.Errorf("%s has no kind", name)
		}
		key := errs.KeyOf(err)
		if _, ok := zh[key]; !ok {
			t.Errorf("%s: key %q missing from the zh catalogue", name, key)
		}
		if _, ok := en[key]; !ok {
			t.Errorf("%s: key %q missing from the en catalogue", name, key)
		}
	}
}
