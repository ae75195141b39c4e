package portal

// webhookRoutes registers the provider callbacks under /webhooks (no CSRF: each webhook
// verifies its provider's signature instead).
func (s *Server) webhookRoutes() {}
