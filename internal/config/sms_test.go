package config

import "testing"

func TestLoadSMS(t *testing.T) {
	cases := []struct {
		name                      string
		env                       map[string]string
		ok                        bool
		start, end, dailyCap, seg int
		noQuiet, dispatch         bool
		rate                      float64
	}{
		{"defaults", nil, true, 21 * 60, 8 * 60, 3, 3, false, true, 10},
		{"custom", map[string]string{"LCRM_SMS_QUIET": "22:30-07:15", "LCRM_SMS_DAILY_CAP": "0",
			"LCRM_SMS_RATE": "2.5", "LCRM_SMS_MAX_SEGMENTS": "1", "LCRM_SMS_DISPATCH": "false"},
			true, 22*60 + 30, 7*60 + 15, 0, 1, false, false, 2.5},
		{"quiet off", map[string]string{"LCRM_SMS_QUIET": "off"}, true, 0, 0, 3, 3, true, true, 10},
		{"bad quiet", map[string]string{"LCRM_SMS_QUIET": "late"}, false, 0, 0, 0, 0, false, false, 0},
		{"empty quiet window", map[string]string{"LCRM_SMS_QUIET": "08:00-08:00"}, false, 0, 0, 0, 0, false, false, 0},
		{"negative cap", map[string]string{"LCRM_SMS_DAILY_CAP": "-1"}, false, 0, 0, 0, 0, false, false, 0},
		{"zero segments", map[string]string{"LCRM_SMS_MAX_SEGMENTS": "0"}, false, 0, 0, 0, 0, false, false, 0},
		{"bad dispatch", map[string]string{"LCRM_SMS_DISPATCH": "sometimes"}, false, 0, 0, 0, 0, false, false, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, k := range []string{"LCRM_SMS_QUIET", "LCRM_SMS_DAILY_CAP", "LCRM_SMS_RATE", "LCRM_SMS_MAX_SEGMENTS", "LCRM_SMS_DISPATCH"} {
				t.Setenv(k, c.env[k])
			}
			var cfg Config
			err := cfg.loadSMS()
			if (err == nil) != c.ok {
				t.Fatalf("err = %v, want ok %v", err, c.ok)
			}
			if !c.ok {
				return
			}
			if cfg.SMSQuietStart != c.start || cfg.SMSQuietEnd != c.end || cfg.SMSNoQuiet != c.noQuiet ||
				cfg.SMSDailyCap != c.dailyCap || cfg.SMSMaxSegments != c.seg || cfg.SMSDispatch != c.dispatch || cfg.SMSRate != c.rate {
				t.Errorf("got %+v", cfg)
			}
		})
	}
}
