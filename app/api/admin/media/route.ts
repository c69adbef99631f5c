import { adminRoute, json } from '@/lib/admin/api';
import { readUploadForm, uploadImage } from '@/lib/media/upload';

export const POST = adminRoute({ action: 'Storing the image', missing: 'No such image.' }, async ({ request }) => {
  const read = await readUploadForm(request);
  if ('error' in read) return json({ error: read.error }, read.status);
  const file = read.form.get('file');
  if (!(file instanceof File)) return json({ error: 'Send the image in a multipart field named "file".' }, 422);
  const alt = read.form.get('alt');
  const outcome = await uploadImage(file, { alt: typeof alt === 'string' ? alt : undefined });
  if (!outcome.ok) return json({ error: outcome.error }, outcome.status);
  return json(outcome.image, 201);
});
