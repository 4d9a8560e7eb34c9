import { installAuthGuard } from "@latchkey/vue/router";
import { createRouter, createWebHistory, type Router } from "vue-router";
import { client } from "./latchkey";
import HomePage from "./pages/HomePage.vue";
import LoginPage from "./pages/LoginPage.vue";

/**
 * Two pages: `/` for logged-in users (who am I, logout) and `/login` for visitors. Both
 * servers of the examples answer `index.html` for `/login` too, so a reload stays there.
 */
export const router: Router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: "/", component: HomePage, meta: { requiresAuth: true } },
    { path: "/login", component: LoginPage, meta: { guestOnly: true } },
    { path: "/:unknown(.*)*", redirect: "/" },
  ],
});

// Visitors of `/` go to `/login?redirect=/`; after a login the page moves on to `redirect`;
// after a logout (in this tab or another) `/` moves to `/login`.
installAuthGuard(router, client, { loginRoute: "/login", homeRoute: "/" });
