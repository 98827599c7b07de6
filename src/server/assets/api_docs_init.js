// Starts the viewer on the server's own OpenAPI document (same origin, works offline).
window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
