/* greeting.c: #included by hello_server.c, never compiled on its own. */
const char greeting_text[] = "Hello world!";
