/** The sample Websites `staircase dev` applies. */
export const SAMPLE_WEBSITES = [
  {
    name: 'blog',
    spec: { content: '<h1>Hello from the blog</h1>', hostname: 'blog.example.test', replicas: 2 },
  },
  { name: 'shop', spec: { content: '<h1>The shop</h1>', hostname: 'shop.example.test', replicas: 1 } },
] as const;
