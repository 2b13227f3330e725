"""The console's pages, one module per feature. Routes parse the request, call a service in a
unit of work and render a template; the queries live in the services and repositories."""
